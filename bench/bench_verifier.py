"""Verifier speed: the entailment verifier next to the lexical one, in the same run (`make bench`).

The entailment model runs on torch and on ONNX Runtime (`assistant/verify/onnx_entailment.py`).
Typical drafts from real coverage: for each of 40 AllSides stories, the human roundup's
sentences (composed prose, what an LLM or an editor writes), each citing the 1–3 passages of the
outlets' articles (paragraphs of at most 120 words) that share most of its words, plus two
sentences copied from those passages (what the extractive generator writes). Each draft is
verified by `verify_draft` with a fresh verifier (empty caches, models already loaded),
interleaved entailment / lexical, best of 3. Printed: sentences per second for each, their
ratio, and the load average, since the machine is shared. `BENCH_VERIFIER_STORIES` changes the
number of stories.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

from assistant.models import Citation, Draft, Paragraph, Section, Sentence, sha256_hex
from assistant.paths import repo_root
from assistant.text import content_words, sentence_spans

ALLSIDES = repo_root().parent / "shared" / "data" / "allsides" / "allsides_dev.jsonl"
MAX_WORDS = 120


def _passages(story: dict) -> list[tuple[str, str]]:
    out = []
    for item in story["news"].values():
        for para in item["newBody"]:
            para = para.strip()
            if para and len(para.split()) <= MAX_WORDS:
                out.append((item["newsSource"], para))
    return out


def typical_drafts(n_stories: int) -> list[Draft]:
    drafts = []
    with ALLSIDES.open(encoding="utf-8") as fh:
        for line in fh:
            if len(drafts) >= n_stories:
                break
            story = json.loads(line)
            passages = _passages(story)
            roundup = story["roundup"][0] if story.get("roundup") else ""
            if len(passages) < 3 or not roundup:
                continue
            citations = [
                Citation(
                    n=i + 1,
                    passage_id=f"p{i}",
                    doc_id=f"d{i}",
                    lineage_id=f"d{i}",
                    start=0,
                    end=len(text),
                    content_hash=sha256_hex(text),
                    text=text,
                    outlet=outlet,
                    kind="outlet",
                )
                for i, (outlet, text) in enumerate(passages)
            ]
            bags = [content_words(c.text) for c in citations]
            sentences = []
            for a, b in sentence_spans(roundup)[:6]:
                s = roundup[a:b]
                words = content_words(s)
                ranked = sorted(range(len(bags)), key=lambda i: -len(words & bags[i]))
                k = 1 + len(sentences) % 3  # 1, 2 or 3 citations
                sentences.append(Sentence(text=s, citations=[citations[i].n for i in ranked[:k]]))
            for c in citations[:2]:
                spans = sentence_spans(c.text)
                if spans:
                    a, b = spans[0]
                    sentences.append(Sentence(text=c.text[a:b], citations=[c.n]))
            drafts.append(
                Draft(
                    id=f"bench-{story['id']}",
                    topic=story["issue"],
                    generator="extractive",
                    citations=citations,
                    sections=[
                        Section(id="body", paragraphs=[Paragraph(id="p1", sentences=sentences)])
                    ],
                )
            )
    return drafts


def _time(make: Callable[[], object], drafts: list[Draft]) -> float:
    verifier = make()
    t0 = time.perf_counter()
    for d in drafts:
        verifier.verify_draft(d)  # type: ignore[attr-defined]
    return time.perf_counter() - t0


def run() -> None:
    from assistant.index.embedder import Embedder
    from assistant.verify.entailment import EntailmentModelError
    from assistant.verify.judge import EntailmentJudge
    from assistant.verify.verifier import Verifier

    drafts = typical_drafts(int(os.environ.get("BENCH_VERIFIER_STORIES", "40")))
    n = sum(len(p.sentences) for d in drafts for s in d.sections for p in s.paragraphs)
    embedder = Embedder.default()
    embedder.encode(["warm up"])
    try:
        judge = EntailmentJudge()
        model = judge.model
    except EntailmentModelError as exc:
        print(f"no entailment model ({exc}); run `make train-verifier` first")
        return
    model.predict(["warm up"], ["warm up"])
    from assistant.verify.onnx_entailment import OnnxEntailmentModel

    onnx_model = OnnxEntailmentModel(notify=print)
    onnx_model.predict(["warm up"], ["warm up"])

    def lexical() -> Verifier:
        return Verifier(embedder, backend="lexical")

    def entailment() -> Verifier:
        return Verifier(
            embedder, backend="entailment", judge=EntailmentJudge(model=model), strict=True
        )

    def entailment_onnx() -> Verifier:
        judge = EntailmentJudge(model=onnx_model, runtime="onnx")
        return Verifier(embedder, backend="entailment", judge=judge, strict=True)

    systems = (
        ("entailment", entailment),
        ("entailment-onnx", entailment_onnx),
        ("lexical", lexical),
    )
    best = dict.fromkeys((name for name, _ in systems), float("inf"))
    for _ in range(3):
        for name, make in systems:
            best[name] = min(best[name], _time(make, drafts))
    load = os.getloadavg()
    print(
        f"{len(drafts)} typical drafts, {n} sentences (composed roundup sentences citing 1-3 "
        f"passages of <= {MAX_WORDS} words, plus copied sentences); best of 3, interleaved"
    )
    for name, seconds in best.items():
        print(f"  {name:15s} {seconds:6.2f} s  {n / seconds:6.1f} sentences/s")
    for name in ("entailment", "entailment-onnx"):
        print(
            f"  {name} / lexical time: {best[name] / best['lexical']:.2f}x "
            f"(target <= 1.0x on typical drafts)"
        )
    print(f"  onnx / torch time: {best['entailment-onnx'] / best['entailment']:.2f}x")
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    whole_drafts()
    load = os.getloadavg()
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


DEMO_TOPICS = (
    "Anchorage talks and the Ankara NATO summit",
    "Kremlin compromise signal and the Ankara summit",
)


def whole_drafts() -> None:
    """Whole extractive drafts of the demo corpus (`desk draft`: retrieval, composing and
    verification), the entailment verifier on ONNX against the lexical one; the issue's target is
    at most 1.5x the lexical verifier's time."""
    import tempfile
    from pathlib import Path

    from assistant.service import DeskService
    from assistant.workspace import Workspace

    with tempfile.TemporaryDirectory(prefix="bench-verifier-") as tmp:
        ws = Path(tmp) / "ws"
        Workspace.init(ws)
        svc = DeskService.open(ws)
        try:
            svc.ingest([repo_root() / "corpus"])
        finally:
            svc.close()
        services = {
            name: DeskService.open(ws, overrides={"verifier": name, "verifier_runtime": "onnx"})
            for name in ("entailment", "lexical")
        }
        try:
            for svc in services.values():  # load every model and warm the caches' code paths
                svc.draft(DEMO_TOPICS[0])
            best = dict.fromkeys(services, float("inf"))
            counts: dict[str, int] = {}
            for _ in range(3):
                for name, svc in services.items():
                    svc.verifier._sources.clear()  # a fresh verifier's caches, models loaded
                    svc.verifier._vectors.clear()
                    svc.verifier.judge._cache.clear()
                    t0 = time.perf_counter()
                    drafts = [svc.draft(t) for t in DEMO_TOPICS]
                    best[name] = min(best[name], time.perf_counter() - t0)
                    counts[name] = sum(
                        len(p.sentences) for d in drafts for s in d.sections for p in s.paragraphs
                    )
        finally:
            for svc in services.values():
                svc.close()
    print(f"whole extractive drafts of the demo corpus ({len(DEMO_TOPICS)} topics), best of 3:")
    for name, seconds in best.items():
        print(f"  {name:15s} {seconds:6.2f} s  ({counts[name]} sentences)")
    print(
        f"  entailment (onnx) / lexical time: {best['entailment'] / best['lexical']:.2f}x "
        "(target <= 1.5x)"
    )


if __name__ == "__main__":
    run()
