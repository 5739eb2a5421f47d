"""Batch on real data (`make eval`): does clustering recover real stories, are digests grounded,
and how does the day digest compare with an editor's summary?

(a) AllSides (`../shared/data/allsides/allsides_dev.jsonl`): all 252 stories' articles (outlet,
    URL, title, the story's date) ingested as one corpus; `desk batch` over the whole span.
    Clustering vs the real stories: adjusted Rand index and purity, for the run's vectors
    (stored passage vectors + time) and, for comparison, title+lead vectors and no time
    penalty; then the drafted stories' and the digest's citation recall/precision.
(b) BBC liveblogs (`../shared/data/liveblog/*.json`): each file one local day; its blocks
    ingested as wire items at their HH:MM UK time on the day in the title (a placeholder day
    for the 4 titles that name none), `desk batch --date DAY --tz Europe/London`; ROUGE-1/2
    recall of the digest's text against the editors' `summary` bullets, next to a lead
    baseline: the blog's first blocks (as published, newest first) cut to the same length.
"""

from __future__ import annotations

import tempfile
import time
from datetime import date
from pathlib import Path
from statistics import mean

from bench.batch_data import (
    DATA,
    allsides_items,
    allsides_rows,
    liveblog_day,
    liveblog_items,
    readable,
    write_jsonl,
)
from bench.rouge import rouge_n

ALLSIDES_STORIES = 10
LIVEBLOG_STORIES = 4


def _service(root: Path):
    from assistant.service import DeskService
    from assistant.workspace import Workspace

    return DeskService(Workspace.init(root / "ws"))


def _purity(clusters: list[list[str]], truth: dict[str, str]) -> float:
    total = sum(len(c) for c in clusters)
    hit = 0
    for members in clusters:
        labels = [truth[d] for d in members]
        hit += max(labels.count(x) for x in set(labels))
    return hit / total if total else 0.0


def _ari(clusters: list[list[str]], truth: dict[str, str]) -> float:
    from sklearn.metrics import adjusted_rand_score

    pred = {d: i for i, members in enumerate(clusters) for d in members}
    ids = sorted(pred)
    return float(adjusted_rand_score([truth[i] for i in ids], [pred[i] for i in ids]))


def _digest_text(out: Path) -> str:
    from assistant.models import Draft

    digest = Draft.model_validate_json((out / "digest.json").read_text(encoding="utf-8"))
    return " ".join(
        s.text
        for sec in digest.sections
        if sec.id.startswith("story-")
        for p in sec.paragraphs
        for s in p.sentences
    )


def eval_allsides(tmp: Path) -> None:
    from dataclasses import replace

    from assistant.batch.clustering import (
        ARTICLES,
        ClusterParams,
        StoryClusterer,
        passage_vectors,
        title_lead_vectors,
    )

    svc = _service(tmp / "allsides")
    src = write_jsonl(allsides_items(), tmp / "allsides" / "src" / "allsides.jsonl")
    t0 = time.perf_counter()
    report = svc.ingest([src])
    print(
        f"ingested {report.new + report.versions} articles ({report.versions} as versions) "
        f"of {len(allsides_rows())} stories in {time.perf_counter() - t0:.0f}s "
        f"(duplicates {report.duplicates}, failed {len(report.failed)})"
    )
    t0 = time.perf_counter()
    run = svc.batch(
        since="2021-04-01",
        until="2021-11-01",
        tz="America/Los_Angeles",
        min_sources=2,
        max_stories=ALLSIDES_STORIES,
        out_dir=tmp / "allsides" / "out",
    ).run
    print(
        f"batch over the whole span in {time.perf_counter() - t0:.0f}s: "
        f"{run['documents']} documents -> {run['stories_found']} stories"
    )
    docs = svc.store.documents()
    truth = {
        d.id: str(d.location.item).rsplit("-", 1)[0] for d in docs if d.published_at is not None
    }
    print(f"real stories: {len(set(truth.values()))}")
    print(f"{'clustering':<44} {'clusters':>8} {'ARI':>6} {'purity':>7}")
    clusters = [s["doc_ids"] for s in run["stories"]]
    print(
        f"{'batch run (auto: articles, passage vectors)':<44} {len(clusters):>8} "
        f"{_ari(clusters, truth):>6.3f} "
        f"{_purity(clusters, truth):>7.3f}"
    )
    from assistant.index.embedder import Embedder

    encode = Embedder.for_settings(svc.settings).encode
    variants = [
        ("title+lead vectors + time", title_lead_vectors(encode), ARTICLES),
        (
            "passage vectors + time",
            passage_vectors(svc.store, svc.index),
            ARTICLES,
        ),
        (
            "passage vectors, no time penalty",
            passage_vectors(svc.store, svc.index),
            replace(ARTICLES, time_weight=0.0),
        ),
        (
            "passage vectors, no time, threshold 0.3",
            passage_vectors(svc.store, svc.index),
            replace(ARTICLES, distance_threshold=0.3, time_weight=0.0),
        ),
        ("title+lead vectors, wire defaults", title_lead_vectors(encode), ClusterParams()),
    ]
    dated = [d for d in docs if d.published_at is not None]
    for name, vectors, params in variants:
        stories = StoryClusterer(vectors, params).cluster(dated)
        cl = [list(s.doc_ids) for s in stories]
        print(f"{name:<44} {len(cl):>8} {_ari(cl, truth):>6.3f} {_purity(cl, truth):>7.3f}")
    drafted = [s for s in run["stories"] if s.get("synthesis", {}).get("status") == "ok"]
    own = []
    for s in drafted:
        from assistant.models import Draft

        draft = Draft.model_validate_json(
            (tmp / "allsides" / "out" / s["synthesis"]["files"]["json"]).read_text()
        )
        cited = [c.doc_id for c in draft.citations]
        own.append(sum(c in set(s["doc_ids"]) for c in cited) / max(1, len(cited)))
    dm = run["digest"]["metrics"] or {}
    print(
        f"drafted stories: {len(drafted)}; "
        f"citation recall {mean(s['synthesis']['citation_recall'] for s in drafted):.3f}, "
        f"precision {mean(s['synthesis']['citation_precision'] for s in drafted):.3f}; "
        f"share of citations from the story's own items {mean(own):.3f}"
    )
    print(
        f"digest: {dm.get('stories')} stories, {dm.get('sentences')} sentences, "
        f"citation recall {dm.get('citation_recall')}, precision {dm.get('citation_precision')}"
    )
    print(f"failures: {run['failures'] or 'none'}")
    svc.close()


def eval_liveblog(tmp: Path) -> None:
    files = sorted((DATA / "liveblog").glob("*.json"))
    days = [liveblog_day(f) for f in files]
    placeholder = 0
    svc = _service(tmp / "liveblog")
    plan = []
    for day in days:
        on = day.day
        if on is None:
            placeholder += 1
            on = date(2000, 1, placeholder)  # the title names no date; block times still hold
        plan.append((day, on))
        write_jsonl(liveblog_items(day, on), tmp / "liveblog" / "src" / f"{day.path.stem}.jsonl")
    t0 = time.perf_counter()
    report = svc.ingest([tmp / "liveblog" / "src"])
    print(
        f"ingested {report.new + report.versions} blocks ({report.versions} as versions) "
        f"of {len(days)} liveblogs in {time.perf_counter() - t0:.0f}s "
        f"({placeholder} with a placeholder day)"
    )
    print(
        f"{'day':<12} {'blocks':>6} {'stories':>7} {'drafted':>7} {'words':>5} "
        f"{'R1 digest':>9} {'R1 lead':>7} "
        f"{'R2 digest':>9} {'R2 lead':>7} {'cit.rec':>7}"
    )
    rows = []
    for day, on in plan:
        out = tmp / "liveblog" / "out" / day.path.stem
        run = svc.batch(
            day=on.isoformat(),
            tz="Europe/London",
            min_sources=2,
            max_stories=LIVEBLOG_STORIES,
            out_dir=out,
        ).run
        drafted = sum(1 for s in run["stories"] if s.get("synthesis", {}).get("status") == "ok")
        digest = _digest_text(out) if (out / "digest.json").exists() else ""
        n_words = len(digest.split())
        # The same detokenisation for all three texts, so ROUGE compares like with like.
        lead_words = readable(" ".join(" ".join(b["text"]) for b in day.blocks)).split()[:n_words]
        reference = readable(" ".join(day.summary))
        r = {
            "r1": rouge_n(digest, reference, 1)["recall"],
            "r1_lead": rouge_n(" ".join(lead_words), reference, 1)["recall"],
            "r2": rouge_n(digest, reference, 2)["recall"],
            "r2_lead": rouge_n(" ".join(lead_words), reference, 2)["recall"],
            "cr": (run["digest"]["metrics"] or {}).get("citation_recall", 0.0),
        }
        rows.append(r)
        print(
            f"{on.isoformat():<12} {len(day.blocks):>6} {run['stories_found']:>7} {drafted:>7} "
            f"{n_words:>5} {r['r1']:>9.3f} {r['r1_lead']:>7.3f} "
            f"{r['r2']:>9.3f} {r['r2_lead']:>7.3f} {r['cr']:>7.3f}"
        )
    print(
        f"{'mean':<12} {'':>6} {'':>7} {'':>7} {'':>5} {mean(r['r1'] for r in rows):>9.3f} "
        f"{mean(r['r1_lead'] for r in rows):>7.3f} {mean(r['r2'] for r in rows):>9.3f} "
        f"{mean(r['r2_lead'] for r in rows):>7.3f} {mean(r['cr'] for r in rows):>7.3f}"
    )
    svc.close()


def run() -> None:
    if not DATA.is_dir():
        raise SystemExit(
            f"{DATA} is missing: the batch eval needs ../shared/data beside the checkout"
        )
    with tempfile.TemporaryDirectory(prefix="eval-batch-") as tmp:
        print("(a) AllSides: clustering vs real stories, digest grounding")
        eval_allsides(Path(tmp))
        print("\n(b) BBC liveblogs: day digest vs the editors' summary (ROUGE recall)")
        eval_liveblog(Path(tmp))


if __name__ == "__main__":
    run()
