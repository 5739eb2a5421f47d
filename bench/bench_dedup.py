"""Repeated-body detection (`dedup.collapse_repeats`) timed on its own at 100 KB, 1 MB and 10 MB,
with the growth ratio per tenfold size: near 10× is linear, 1,000× would be the cubic pairwise
scan it replaced (59 s at 200 KB on one repeated sentence).

Two shapes of input, each cut at the half by the detection:
- the probe's worst case, one sentence repeated on one line (every unit equals every other);
- a real body repeated: seed 001 (a syndicated article that carries its body twice), tiled.

Knob (environment): BENCH_DEDUP_SIZES, comma-separated sizes in bytes (default
100000,1000000,10000000).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SEED = REPO / "seeds" / "001_656b0583a0ed62d8.txt"


def _inputs(size: int) -> dict[str, str]:
    from assistant.ingest.items import clean_text

    sentence = "The minister said talks would resume on Monday after the summit. "
    body = clean_text(SEED.read_text(encoding="utf-8")) + "\n\n"
    return {
        "one sentence, one line": (sentence * (size // len(sentence))).strip(),
        "seed 001 body, tiled": (body * max(2, size // len(body))).strip(),
    }


def run() -> None:
    from assistant.ingest.dedup import collapse_repeats

    sizes = [
        int(s) for s in os.environ.get("BENCH_DEDUP_SIZES", "100000,1000000,10000000").split(",")
    ]
    rows: dict[str, list[tuple[int, float, bool]]] = {}
    for size in sizes:
        for name, text in _inputs(size).items():
            t0 = time.perf_counter()
            out, cut = collapse_repeats(text)
            elapsed = time.perf_counter() - t0
            rows.setdefault(name, []).append((len(text), elapsed, cut and len(out) < len(text)))
            print(f"{name}: {len(text):,} chars in {elapsed:.2f} s", flush=True)
    print("\n| input | size | time | growth vs previous size | cut |\n|---|---|---|---|---|")
    for name, runs in rows.items():
        prev = None
        for chars, elapsed, cut in runs:
            growth = (
                f"{elapsed / prev[1]:.1f}× time for {chars / prev[0]:.0f}× size" if prev else "—"
            )
            print(f"| {name} | {chars / 1e6:.1f} MB | {elapsed:.2f} s | {growth} | {cut} |")
            prev = (chars, elapsed)
