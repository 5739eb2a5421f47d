"""Drafting quality bars on real data (`make eval`): AllSides stories as one corpus.

All 252 stories of `../shared/data/allsides/allsides_dev.jsonl` are ingested together (one
JSONL wire item per outlet article, with outlet, title, URL and the story's date). For each story
a synthesis is drafted with the story title as topic and the story date ± 3 days as window, and
we report:
- citation recall and precision by the verifier (target >= 0.95 for `extractive`);
- the share of cited passages that come from the story's own articles (target >= 0.9);
- ROUGE-1/2 recall of lede + body against the human `roundup[0]`, next to a lead baseline
  (the first paragraph of the center outlet, else the first outlet): the draft must beat it;
- the same for `llama-cpp` (lede and the first body section, after repair) on a sample.

Environment knobs:
- `EVAL_DRAFTING_STORIES`: default `all` (252 stories: 3.5 min in all on an idle 2-core
  machine, several times that under load); a number takes an evenly spaced sample;
- `EVAL_DRAFTING_LLM_STORIES`: default 20 (SmolLM2-135M took ~85 s per story for lede + one
  body section under load); 0 skips the LLM run;
- `EVAL_TORCH_THREADS`: default 1.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.rouge import rouge_n

DATA = (
    Path(__file__).resolve().parent.parent.parent
    / "shared"
    / "data"
    / "allsides"
    / "allsides_dev.jsonl"
)
BODY_SECTIONS = ("lede", "body_1", "body_2", "body_3")
LLM_SECTIONS = ["lede", "body_1"]
WINDOW = timedelta(days=3)


def load_stories(path: Path = DATA) -> list[dict[str, Any]]:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: the eval needs ../shared/data beside the checkout"
        )
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def story_date(story: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(story["date"]).astimezone(UTC)


def write_wire(stories: list[dict[str, Any]], path: Path) -> dict[str, set[int]]:
    """One wire item per outlet article; returns article URL -> ids of the stories carrying it."""
    owners: dict[str, set[int]] = {}
    with path.open("w", encoding="utf-8") as fh:
        for story in stories:
            when = story_date(story).isoformat()
            for side, art in sorted(story["news"].items()):
                text = "\n\n".join(p.strip() for p in art.get("newBody") or [] if p and p.strip())
                if not text:
                    continue
                url = art.get("newsLink") or f"https://allsides.example/{story['id']}/{side}"
                owners.setdefault(url, set()).add(story["id"])
                item = {
                    "id": f"{story['id']}-{side}",
                    "title": art.get("newsTitle"),
                    "outlet": art["newsSource"],
                    "kind": "outlet",
                    "url": url,
                    "published": when,
                    "text": text,
                }
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    return owners


def lead_baseline(story: dict[str, Any]) -> str:
    for side in ("center", "left", "right"):
        art = story["news"].get(side)
        if art and art.get("newBody"):
            return art["newBody"][0]
    return ""


def body_text(draft: Any) -> str:
    return " ".join(
        s.text
        for sec in draft.sections
        if sec.id in BODY_SECTIONS
        for p in sec.paragraphs
        for s in p.sentences
    )


def evaluate(
    service: Any,
    stories: list[dict[str, Any]],
    owners: dict[str, set[int]],
    generator: str,
    sections: list[str] | None = None,
) -> dict[str, Any]:
    from assistant.models import SearchFilters

    rows: list[dict[str, float]] = []
    failed: list[str] = []
    t0 = time.perf_counter()
    for story in stories:
        day = story_date(story)
        filters = SearchFilters(since=day - WINDOW, until=day + WINDOW)
        try:
            draft = service.draft(story["issue"], filters, generator=generator, sections=sections)
        except Exception as exc:  # one story failing must not hide the others' figures
            failed.append(f"{story['id']}: {type(exc).__name__}: {exc}")
            continue
        cited = draft.citations
        own = sum(1 for c in cited if story["id"] in owners.get(c.url or "", set()))
        reference = story["roundup"][0]
        text = body_text(draft)
        rows.append(
            {
                "recall": draft.metrics.citation_recall,
                "precision": draft.metrics.citation_precision,
                "sentences": draft.metrics.sentences,
                "own": own / len(cited) if cited else 0.0,
                "r1": rouge_n(text, reference, 1)["recall"],
                "r2": rouge_n(text, reference, 2)["recall"],
                "repaired": sum(1 for s in draft.sections for p in s.paragraphs if p.repaired),
            }
        )
    seconds = time.perf_counter() - t0
    mean = {
        k: statistics.fmean(r[k] for r in rows) if rows else 0.0
        for k in ("recall", "precision", "sentences", "own", "r1", "r2", "repaired")
    }
    return {
        "generator": generator,
        "stories": len(rows),
        "failed": failed,
        "seconds": seconds,
        **mean,
    }


def baseline(stories: list[dict[str, Any]]) -> dict[str, float]:
    r1 = [rouge_n(lead_baseline(s), s["roundup"][0], 1)["recall"] for s in stories]
    r2 = [rouge_n(lead_baseline(s), s["roundup"][0], 2)["recall"] for s in stories]
    return {"r1": statistics.fmean(r1), "r2": statistics.fmean(r2)}


def sample(stories: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    """An evenly spaced, reproducible sample of `n` stories (all of them when n >= len)."""
    if n <= 0 or n >= len(stories):
        return list(stories)
    step = len(stories) / n
    return [stories[int(i * step)] for i in range(n)]


def run() -> dict[str, Any]:
    import torch

    from assistant.service import DeskService
    from assistant.workspace import Workspace

    # On the shared 2-core machine torch's default two threads spin against each other and
    # every other process: one thread encodes a query ~30x faster there (see README Results).
    torch.set_num_threads(int(os.environ.get("EVAL_TORCH_THREADS", "1")))
    stories = load_stories()
    wanted = os.environ.get("EVAL_DRAFTING_STORIES", "all").strip().lower()
    chosen = sample(stories, 0 if wanted in ("", "all") else int(wanted))
    n_llm = int(os.environ.get("EVAL_DRAFTING_LLM_STORIES", "20") or 0)
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        wire = Path(tmp) / "allsides_wire.jsonl"
        owners = write_wire(stories, wire)
        service = DeskService(Workspace.init(Path(tmp) / "ws"))
        try:
            t0 = time.perf_counter()
            report = service.ingest([wire])
            ingest_s = time.perf_counter() - t0
            print(
                f"ingested {report.documents} documents, {report.passages} passages from "
                f"{len(stories)} stories in {ingest_s:.0f}s",
                flush=True,
            )
            results.append(evaluate(service, chosen, owners, "extractive"))
            if n_llm:
                try:
                    results.append(
                        evaluate(
                            service,
                            sample(chosen, n_llm),
                            owners,
                            "llama-cpp",
                            sections=LLM_SECTIONS,
                        )
                    )
                except Exception as exc:  # the LLM extra may be missing on this machine
                    print(f"llama-cpp run skipped: {type(exc).__name__}: {exc}")
        finally:
            service.close()
    base = baseline(chosen)
    _print(results, base, len(chosen))
    return {"results": results, "baseline": base}


def _print(results: list[dict[str, Any]], base: dict[str, float], n: int) -> None:
    head = (
        f"{'generator':<12} {'stories':>7} {'cit.recall':>10} {'cit.prec':>9} {'own-story':>9} "
        f"{'ROUGE-1 R':>9} {'ROUGE-2 R':>9} {'sent/draft':>10} {'s/story':>8}"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        per = r["seconds"] / max(1, r["stories"] + len(r["failed"]))
        print(
            f"{r['generator']:<12} {r['stories']:>7} {r['recall']:>10.3f} {r['precision']:>9.3f} "
            f"{r['own']:>9.3f} {r['r1']:>9.3f} {r['r2']:>9.3f} {r['sentences']:>10.1f} {per:>8.1f}"
        )
        for f in r["failed"][:5]:
            print(f"   failed {f}")
    print(
        f"{'lead (center)':<12} {n:>7} {'':>10} {'':>9} {'':>9} "
        f"{base['r1']:>9.3f} {base['r2']:>9.3f}"
    )
    ext = next((r for r in results if r["generator"] == "extractive"), None)
    if ext:
        checks = [
            ("citation recall >= 0.95", ext["recall"] >= 0.95),
            ("citation precision >= 0.95", ext["precision"] >= 0.95),
            ("own-story share >= 0.9", ext["own"] >= 0.9),
            ("ROUGE-1 recall beats lead", ext["r1"] > base["r1"]),
            ("ROUGE-2 recall beats lead", ext["r2"] > base["r2"]),
        ]
        print(
            "extractive bars: "
            + ", ".join(f"{name}: {'PASS' if ok else 'FAIL'}" for name, ok in checks)
        )


if __name__ == "__main__":
    run()
