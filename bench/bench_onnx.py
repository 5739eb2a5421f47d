"""ONNX Runtime against torch for the embedding model: the same passages, the same weights.

Prints, for 800 real AllSides passages, both backends' encode time (warmed, interleaved, best of
`BENCH_ONNX_REPEATS`, default 3) and their ratio, the load average, and how far the vectors
agree: the smallest cosine between the two backends' vectors of one passage, and the share of
each passage's ten nearest neighbours that both backends find. The ONNX export is built into
a temporary cache first (its time is printed apart; it happens once per machine).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


def _passages(n: int = 800) -> list[str]:
    texts: list[str] = []
    for line in (DATA / "allsides/allsides_dev.jsonl").open(encoding="utf-8"):
        for art in json.loads(line)["news"].values():
            texts += [p for p in art.get("newBody") or [] if p.strip()]
        if len(texts) >= n:
            break
    return texts[:n]


def run() -> None:
    import numpy as np

    from assistant.index.embedder import Embedder
    from assistant.paths import default_embedding_model

    repeats = int(os.environ.get("BENCH_ONNX_REPEATS", "3"))
    texts = _passages()
    path = default_embedding_model()
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        onnx = Embedder(path, backend="onnx", cache_root=Path(cache))
        print(f"ONNX export and session start: {time.perf_counter() - t0:.1f} s (once per machine)")
        torch_ = Embedder(path, backend="torch")
        for enc in (torch_, onnx):
            enc.encode(texts[:64])  # warm both
        best = {"torch": float("inf"), "onnx": float("inf")}
        vecs = {}
        for _ in range(repeats):
            for name, enc in (("torch", torch_), ("onnx", onnx)):
                t0 = time.perf_counter()
                vecs[name] = enc.encode(texts)
                best[name] = min(best[name], time.perf_counter() - t0)
        a, b = vecs["torch"], vecs["onnx"]
        cos = (a * b).sum(axis=1)
        sa, sb = a @ a.T, b @ b.T
        top = np.mean(
            [
                len(set(np.argsort(-sa[i])[:10]) & set(np.argsort(-sb[i])[:10])) / 10
                for i in range(len(texts))
            ]
        )
        load = os.getloadavg()[0]
        print(f"{len(texts)} passages, best of {repeats}, load average {load:.1f}")
        print(f"  torch encode()        {best['torch']:.2f} s")
        print(f"  ONNX Runtime encode() {best['onnx']:.2f} s")
        print(f"  speed-up              {best['torch'] / best['onnx']:.2f}x")
        print(f"  agreement             min cosine {cos.min():.6f}, top-10 neighbours {top:.3f}")


if __name__ == "__main__":
    run()
