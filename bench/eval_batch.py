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
    Then precision@k of the digest's picks against the files' `doc_label` (a block the
    editors' summary draws on) and `sent_label` (such a sentence), labels used for scoring
    only; and the ranking weights the liveblogs can judge, chosen leave-one-day-out.
(c) Wire archive (`../shared/data/wire-archive/`): two labelled days, each ingested with the
    day before it (so the novelty signal has what the desk carried the day before), `desk
    batch --date DAY`; the digest printed for an editor to read, with each story's signals.
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


PRECISION_K = (1, 3)
"""precision@k of the digest's picks, plus @all (every story in the digest)."""


def _norm_words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z0-9]+", text.lower())


def _sentence_label(text: str, block: dict) -> int:
    """`sent_label` of the block sentence `text` comes from (best word overlap: the digest's
    sentence is detokenised and may carry an attribution prefix)."""
    mine = set(_norm_words(text))
    best, label = 0.0, 0
    for sentence, lab in zip(block["text"], block["sent_label"], strict=False):
        theirs = set(_norm_words(readable(sentence)))
        overlap = len(mine & theirs) / max(1, len(theirs))
        if overlap > best:
            best, label = overlap, int(lab)
    return label


def digest_picks(svc, out: Path, blocks: dict[str, dict]) -> list[tuple[int, int]]:
    """Per digest story, in rank order: (doc_label, sent_label) of its first sentence's cited
    block; the labels are read here only, never by the batch."""
    from assistant.models import Draft

    digest = Draft.model_validate_json((out / "digest.json").read_text(encoding="utf-8"))
    picks = []
    for sec in digest.sections:
        if not sec.id.startswith("story-"):
            continue
        sentence = next((s for p in sec.paragraphs for s in p.sentences if s.citations), None)
        if sentence is None:
            continue
        cited = digest.citation(sentence.citations[0])
        doc = svc.store.get_document(cited.doc_id) if cited is not None else None
        block = blocks.get(doc.location.item or "") if doc is not None else None
        if block is None:
            picks.append((0, 0))
            continue
        picks.append((int(block["doc_label"]), _sentence_label(sentence.text, block)))
    return picks


def _at(labels: list[int], k: int | None) -> float | None:
    chosen = labels if k is None else labels[:k]
    return sum(chosen) / len(chosen) if chosen and (k is None or len(labels) >= k) else None


def _print_precision(per_day: list[tuple[list[tuple[int, int]], list[int]]], base: float) -> None:
    print(
        f"\nprecision@k of the digest's picks (labels for scoring only; mean over days; "
        f"base rate of doc_label=1 blocks {base:.3f})"
    )
    print(f"{'':<34} " + " ".join(f"{'@' + str(k):>6}" for k in PRECISION_K) + f" {'@all':>6}")
    rows = [
        ("digest: story's block (doc_label)", [[d for d, _ in p] for p, _ in per_day]),
        ("digest: its sentence (sent_label)", [[s for _, s in p] for p, _ in per_day]),
        ("lead baseline: first blocks", [lead for _, lead in per_day]),
    ]
    for name, labels in rows:
        cells = []
        for k in (*PRECISION_K, None):
            vals = [v for v in (_at(x, k) for x in labels) if v is not None]
            cells.append(f"{mean(vals):>6.3f}" if vals else f"{'-':>6}")
        print(f"{name:<34} " + " ".join(cells))


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
    precision = []
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
        if (out / "digest.json").exists():
            picks = digest_picks(svc, out, {b["block_id"]: b for b in day.blocks})
            lead_labels = [int(b["doc_label"]) for b in day.blocks[: max(1, len(picks))]]
            precision.append((picks, lead_labels))
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
    won = [
        sum(r[m] > r[m + "_lead"] for r in rows) for m in ("r1", "r2")
    ]  # days on which the digest beats the baseline
    print(f"digest above the lead baseline on R1 {won[0]}/{len(rows)} days, R2 {won[1]}")
    blocks = [b for d in days for b in d.blocks]
    _print_precision(precision, sum(int(b["doc_label"]) for b in blocks) / len(blocks))
    ranking_leave_one_day_out(svc, plan)
    svc.close()


RECENCY_GRID = (0.0, 0.06, 0.12, 0.24)
"""Recency weights tried (lineage weight fixed at its default): the one trade-off among
one-outlet stories the liveblogs can judge (news share and novelty are constant there)."""


def ranking_leave_one_day_out(svc, plan) -> None:
    """Per recency weight: cluster and rank each day (no drafting), take each top story's digest
    line (`DigestBuilder.lead`), score ROUGE-1+2 recall against the lead baseline at the same
    word count; choose the weight on nine days, report it on the tenth."""
    from dataclasses import replace

    from assistant.batch.digest import DigestBuilder
    from assistant.batch.ranking import RankWeights
    from assistant.batch.runner import BatchOptions, BatchRunner
    from assistant.batch.window import BatchWindow

    builder = DigestBuilder(svc.store.passages_of)
    scores: dict[float, list[tuple[float, float, float, float]]] = {w: [] for w in RECENCY_GRID}
    for day, on in plan:
        window = BatchWindow.resolve(on.isoformat(), None, None, "Europe/London")
        for w in RECENCY_GRID:
            weights = replace(RankWeights(), recency=w)
            runner = BatchRunner(
                svc, BatchOptions(window=window, out_dir=Path("/nonexistent"), rank=weights)
            )
            stories = [s for s in runner.cluster(runner.select()) if s.sources >= 2]
            text = " ".join(t for s in stories[:LIVEBLOG_STORIES] for t, _ in builder.lead(s))
            n = len(text.split())
            lead = " ".join(readable(" ".join(" ".join(b["text"]) for b in day.blocks)).split()[:n])
            ref = readable(" ".join(day.summary))
            scores[w].append(
                (
                    rouge_n(text, ref, 1)["recall"],
                    rouge_n(text, ref, 2)["recall"],
                    rouge_n(lead, ref, 1)["recall"],
                    rouge_n(lead, ref, 2)["recall"],
                )
            )
    print(
        f"\nranking weights on the liveblogs (top {LIVEBLOG_STORIES} stories' digest lines, "
        "no drafting; lineage weight 0.24)"
    )
    print(f"{'recency weight':<16} {'R1':>6} {'R2':>6} {'R1 lead':>8} {'R2 lead':>8}")
    for w, rs in scores.items():
        print(
            f"{w:<16} "
            + " ".join(f"{mean(r[i] for r in rs):>{6 if i < 2 else 8}.3f}" for i in range(4))
        )
    held, chosen = [], []
    for i in range(len(plan)):
        best = max(
            RECENCY_GRID,
            key=lambda w: (
                sum(r[0] + r[1] for j, r in enumerate(scores[w]) if j != i),
                -w,  # ties: the smaller weight
            ),
        )
        chosen.append(best)
        held.append(scores[best][i])
    print(
        f"{'leave-one-day-out':<16} "
        + " ".join(f"{mean(r[i] for r in held):>{6 if i < 2 else 8}.3f}" for i in range(4))
        + f"   (weights chosen: {', '.join(str(w) for w in chosen)})"
    )


ARCHIVE_DAYS = ("2025-10-16", "2025-12-11")
"""Two labelled archive days whose digests are printed for an editor to read."""


def eval_archive(tmp: Path) -> None:
    from datetime import timedelta

    from assistant.models import Draft
    from bench.wire_data import write_day_feeds

    for name in ARCHIVE_DAYS:
        day = date.fromisoformat(name)
        root = tmp / "archive" / name
        svc = _service(root)
        # The day before is ingested too: the novelty signal compares with what it carried.
        write_day_feeds(day - timedelta(days=1), root / "wire" / "before")
        write_day_feeds(day, root / "wire" / "day")
        svc.ingest([root / "wire"])
        report = svc.batch(day=name, tz="UTC", min_sources=1, max_stories=6, out_dir=root / "out")
        run = report.run
        print(
            f"\n--- {name}: {run['documents']} items -> {run['stories_found']} stories; "
            f"top 8 by rank (outlets, news share, novelty, lineages):"
        )
        for s in run["stories"][:8]:
            g = s.get("signals", {})
            print(
                f"{s['rank']:>2}. [{g.get('outlets')} outlets, news {g.get('news', 0):.2f}, "
                f"novelty {g.get('novelty', 0):.2f}, {s['sources']} items] {s['title']}"
            )
        digest = Draft.model_validate_json(
            (root / "out" / "digest.json").read_text(encoding="utf-8")
        )
        dm = run["digest"]["metrics"] or {}
        print(
            f"digest ({len(digest.sections)} stories, {dm.get('sentences')} sentences, "
            f"citation recall {dm.get('citation_recall')}, precision "
            f"{dm.get('citation_precision')}; failures: {run['failures'] or 'none'}):"
        )
        for sec in digest.sections:
            if not sec.id.startswith("story-"):
                continue
            line = " ".join(s.text for p in sec.paragraphs for s in p.sentences)
            print(f"  {sec.title}\n     {line}")
        svc.close()


def run(parts: tuple[str, ...] = ("allsides", "liveblog", "archive")) -> None:
    if not DATA.is_dir():
        raise SystemExit(
            f"{DATA} is missing: the batch eval needs ../shared/data beside the checkout"
        )
    with tempfile.TemporaryDirectory(prefix="eval-batch-") as tmp:
        if "allsides" in parts:
            print("(a) AllSides: clustering vs real stories, digest grounding")
            eval_allsides(Path(tmp))
        if "liveblog" in parts:
            print("\n(b) BBC liveblogs: day digest vs the editors' summary (ROUGE recall)")
            eval_liveblog(Path(tmp))
        if "archive" in parts:
            print("\n(c) Wire archive: the day digest of two labelled days, for an editor to read")
            eval_archive(Path(tmp))


if __name__ == "__main__":
    import sys

    # `python -m bench.eval_batch [allsides] [liveblog] [archive]`: all three by default.
    run(tuple(sys.argv[1:]) or ("allsides", "liveblog", "archive"))
