"""The real wire (`make eval`): story assembly on the labelled days of
`../shared/data/wire-archive/`.

Each labelled day's items are written back as the RSS feeds they came from (`bench/wire_data.py`)
and ingested by the real `DeskService.ingest`; the batch's select and cluster stages
(`BatchRunner.select`/`cluster`, as `desk batch --date DAY` runs them) group the day's documents
into stories. Every archive item is mapped to the story of its document (two feeds carrying one
GUID are one document, so they share a story).

Scores: pairwise precision, recall and F1 over item pairs (the labels' `doubtful` pairs left out,
noise items as singletons), per day and pooled over the days (pairs summed), and the adjusted
Rand index per day and its mean. Leave-one-day-out: the few clustering knobs are chosen on three
days (best pooled F1 over a small grid) and scored on the fourth, for each day.

The storyset table (`--storyset` alone): for each labelled story of at least two items, its
first item's headline as a `desk draft` topic; the items the draft's sections are offered
(`Drafter.offered`) and cite, before story assembly (`assembly="focus"`) and after, scored
against the labelled story (precision, recall), on the day's workspace and on a week's.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

from bench.wire_data import LabelledDay, labelled_days, write_day_feeds


@dataclass(frozen=True)
class PairCounts:
    tp: int
    fp: int
    fn: int

    def __add__(self, other: PairCounts) -> PairCounts:
        return PairCounts(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def pair_counts(pred: dict[str, str], day: LabelledDay) -> PairCounts:
    """Pairwise agreement of predicted stories (`item -> cluster`) with the labels."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(day.story_of), 2):
        if frozenset((a, b)) in day.doubtful:
            continue
        same_true = day.story_of[a] == day.story_of[b]
        same_pred = pred[a] == pred[b]
        tp += same_true and same_pred
        fp += same_pred and not same_true
        fn += same_true and not same_pred
    return PairCounts(tp, fp, fn)


def ari(pred: dict[str, str], day: LabelledDay) -> float:
    from sklearn.metrics import adjusted_rand_score  # type: ignore[import-untyped]

    ids = sorted(day.story_of)
    return float(adjusted_rand_score([day.story_of[i] for i in ids], [pred[i] for i in ids]))


@dataclass
class WireDay:
    """One labelled day ingested into its own workspace, ready to be clustered."""

    label: LabelledDay
    service: object
    runner: object
    docs: list
    item_doc: dict[str, str]
    """Archive item id -> the document that carries it (its own or the one it is a sighting of)."""

    def predict(self, stories: Sequence) -> dict[str, str]:
        story_of_doc = {d: s.id for s in stories for d in s.doc_ids}
        return {
            i: story_of_doc.get(self.item_doc.get(i, ""), f"alone:{i}") for i in self.label.story_of
        }


def load_day(label: LabelledDay, root: Path, around: int = 0, before: int = 0) -> WireDay:
    """The day ingested into a workspace of its own, with the `around` days either side of it
    (a desk's workspace holds more than one day: a week's wire with `around=3`) and the
    `before` days before it (where a story's background comes from); the batch window, and so
    `docs`, is the day alone."""
    from datetime import UTC, datetime, time, timedelta

    from assistant.batch.runner import BatchOptions, BatchRunner
    from assistant.batch.window import BatchWindow
    from assistant.service import DeskService
    from assistant.workspace import Workspace

    svc = DeskService(Workspace.init(root / "ws"))
    ids = write_day_feeds(label.day, root / "wire")
    for k in range(1, around + 1):
        for other in (label.day - timedelta(days=k), label.day + timedelta(days=k)):
            write_day_feeds(other, root / "wire" / other.isoformat())
    for k in range(around + 1, before + 1):
        other = label.day - timedelta(days=k)
        write_day_feeds(other, root / "wire" / other.isoformat())
    report = svc.ingest([root / "wire"])
    assert report.ok, report.failed
    since = datetime.combine(label.day, time(0), tzinfo=UTC)
    window = BatchWindow(since, since + timedelta(days=1), "UTC", label.day.isoformat())
    runner = BatchRunner(svc, BatchOptions(window=window, out_dir=root / "out"))
    docs = runner.select()
    item_doc: dict[str, str] = {}
    for d in docs:
        for s in svc.store.sightings(d.id):
            key = (s.location.path, s.location.item or "")
            if key in ids:
                item_doc[ids[key]] = d.id
    return WireDay(label, svc, runner, docs, item_doc)


def score(days: Sequence[WireDay], cluster: Callable[[WireDay], Sequence]) -> dict:
    per_day = {}
    for wd in days:
        pred = wd.predict(cluster(wd))
        per_day[wd.label.day.isoformat()] = (pair_counts(pred, wd.label), ari(pred, wd.label))
    pooled = sum((c for c, _ in per_day.values()), PairCounts(0, 0, 0))
    return {"days": per_day, "pooled": pooled, "ari": mean(a for _, a in per_day.values())}


def _print_scores(name: str, result: dict) -> None:
    print(f"\n{name}")
    print(f"{'day':<12} {'P':>6} {'R':>6} {'F1':>6} {'ARI':>6} {'tp':>4} {'fp':>4} {'fn':>4}")
    for day, (c, a) in result["days"].items():
        print(
            f"{day:<12} {c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f} {a:>6.3f} "
            f"{c.tp:>4} {c.fp:>4} {c.fn:>4}"
        )
    c = result["pooled"]
    print(
        f"{'pooled':<12} {c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f} "
        f"{result['ari']:>6.3f} {c.tp:>4} {c.fp:>4} {c.fn:>4}   (ARI: mean of the days)"
    )


THRESHOLDS = [round(0.30 + 0.025 * i, 3) for i in range(21)]
"""The distance cuts tried leave-one-day-out, 0.30 to 0.80."""

BASELINE_MEASURED = "pooled F1 0.340, mean ARI 0.311 (measured on the code before this change)"


def cached_vectors(days: Sequence[WireDay]) -> dict[str, Callable]:
    """Per day, the batch's title+lead vectors computed once, so the grids below re-cluster
    without re-embedding."""
    import numpy as np

    from assistant.batch.clustering import passage_vectors, title_lead_vectors
    from assistant.index.embedder import Embedder

    out: dict[str, Callable] = {}
    for wd in days:
        svc = wd.service
        encode = Embedder.for_settings(svc.settings).encode  # type: ignore[attr-defined]
        for kind, make in (
            ("title_lead", title_lead_vectors(encode)),
            ("passages", passage_vectors(svc.store, svc.index)),  # type: ignore[attr-defined]
        ):
            rows = dict(zip((d.id for d in wd.docs), make(wd.docs), strict=True))
            out[f"{wd.label.day}/{kind}"] = lambda docs, rows=rows: np.vstack(
                [rows[d.id] for d in docs]
            )
    return out


def clusterer(vectors: dict[str, Callable], kind: str, params) -> Callable[[WireDay], Sequence]:
    from assistant.batch.clustering import StoryClusterer

    return lambda wd: StoryClusterer(vectors[f"{wd.label.day}/{kind}"], params).cluster(wd.docs)


def leave_one_day_out(days: Sequence[WireDay], vectors: dict[str, Callable], base) -> dict:
    """For each day: the knobs with the best pooled F1 on the other three days, scored on it.
    The grid: every cut in `THRESHOLDS`, the density correction on or off, the framing and
    markets-wrap bonuses on or off, the place penalty on or off (ties go to the configuration
    nearest the defaults)."""
    from dataclasses import replace

    grid = [
        replace(
            base,
            distance_threshold=t,
            hub_weight=h,
            framing_bonus=f,
            markets_bonus=m,
            place_penalty=c,
        )
        for t in THRESHOLDS
        for h in (0.0, base.hub_weight)
        for f in (0.0, base.framing_bonus)
        for m in (0.0, base.markets_bonus)
        for c in (0.0, base.place_penalty)
    ]
    per_day = {
        (i, wd.label.day.isoformat()): score([wd], clusterer(vectors, "title_lead", params))
        for i, params in enumerate(grid)
        for wd in days
    }

    def nearness(params) -> float:
        return abs(params.distance_threshold - base.distance_threshold) + sum(
            getattr(params, k) != getattr(base, k)
            for k in ("hub_weight", "framing_bonus", "markets_bonus", "place_penalty")
        )

    held: dict[str, tuple[PairCounts, float]] = {}
    chosen: dict[str, str] = {}
    for wd in days:
        day = wd.label.day.isoformat()
        rest = [d.label.day.isoformat() for d in days if d is not wd]

        def f1_on_rest(i: int, rest=rest) -> tuple[float, float]:
            pooled = sum((per_day[(i, d)]["pooled"] for d in rest), PairCounts(0, 0, 0))
            return pooled.f1, -nearness(grid[i])

        best = max(range(len(grid)), key=f1_on_rest)
        p = grid[best]
        chosen[day] = (
            f"cut {p.distance_threshold}, density {p.hub_weight}, framing {p.framing_bonus}, "
            f"markets {p.markets_bonus}, places {p.place_penalty}"
        )
        held |= per_day[(best, day)]["days"]
    pooled = sum((c for c, _ in held.values()), PairCounts(0, 0, 0))
    return {
        "days": held,
        "pooled": pooled,
        "ari": mean(a for _, a in held.values()),
        "chosen": chosen,
    }


def run() -> None:
    from dataclasses import replace

    from assistant.batch.clustering import ARTICLES, ClusterParams

    with tempfile.TemporaryDirectory() as tmp:
        days = [load_day(lab, Path(tmp) / lab.day.isoformat()) for lab in labelled_days()]
        for wd in days:
            print(f"{wd.label.day}: {len(wd.label.story_of)} items -> {len(wd.docs)} documents")
        vectors = cached_vectors(days)
        old = ARTICLES
        print(f"\nbaseline before this change: {BASELINE_MEASURED}")
        _print_scores(
            "baseline reconstructed: stored passage vectors, cut 0.6, time penalty from 0 h",
            score(days, clusterer(vectors, "passages", old)),
        )
        final = score(days, lambda wd: wd.runner.cluster(wd.docs))  # type: ignore[attr-defined]
        _print_scores(
            "desk batch now (title+lead vectors, wire defaults: density-corrected cut 0.65)", final
        )
        lodo = leave_one_day_out(days, vectors, ClusterParams())
        _print_scores("leave-one-day-out: knobs chosen on the other three days", lodo)
        for day, knobs in lodo["chosen"].items():
            print(f"  for {day}: {knobs}")
        base = ClusterParams()
        ablation = [
            ("final (title+lead, density, framing, markets)", "title_lead", base),
            ("  stored passage vectors instead", "passages", base),
            (
                "  no density correction, cut 0.45",
                "title_lead",
                replace(base, hub_weight=0.0, distance_threshold=0.45),
            ),
            (
                "  no density correction, no bonuses, 0.45",
                "title_lead",
                replace(
                    base,
                    hub_weight=0.0,
                    framing_bonus=0.0,
                    markets_bonus=0.0,
                    distance_threshold=0.45,
                ),
            ),
            ("  no framing bonus", "title_lead", replace(base, framing_bonus=0.0)),
            ("  no markets-wrap bonus", "title_lead", replace(base, markets_bonus=0.0)),
            ("  no place penalty", "title_lead", replace(base, place_penalty=0.0)),
            ("  density over 10 neighbours", "title_lead", replace(base, hub_k=10)),
            ("  time penalty from 0 h (old)", "title_lead", replace(base, time_grace_h=0.0)),
            ("  complete linkage", "title_lead", replace(base, linkage="complete")),
            ("  + shared names/figures 0.1", "title_lead", replace(base, entity_weight=0.1)),
            ("  + same-outlet penalty 0.05", "title_lead", replace(base, outlet_penalty=0.05)),
            ("  article defaults (ARTICLES), title+lead", "title_lead", ARTICLES),
        ]
        print(f"\nablation {'':<38} {'P':>6} {'R':>6} {'F1':>6} {'ARI':>6}")
        for name, kind, params in ablation:
            r = score(days, clusterer(vectors, kind, params))
            c = r["pooled"]
            print(f"{name:<47} {c.precision:>6.3f} {c.recall:>6.3f} {c.f1:>6.3f} {r['ari']:>6.3f}")
        storyset_table(days)
        storyset_weeks(Path(tmp))
        draft_audit(days, Path(tmp))


# --- the items behind `desk draft` ---------------------------------------------------------


@dataclass(frozen=True)
class StorysetCase:
    """One labelled story drafted on its first item's headline: which items were offered."""

    day: str
    story: str
    topic: str
    items: frozenset[str]
    """The labelled story's archive items."""
    offered: frozenset[str]
    """Archive items whose passages some section was offered (pinned: none)."""
    cited: frozenset[str] | None = None
    """Archive items the finished draft cites (`None`: not drafted)."""

    @property
    def precision(self) -> float:
        return len(self.offered & self.items) / len(self.offered) if self.offered else 0.0

    @property
    def recall(self) -> float:
        return len(self.offered & self.items) / len(self.items)


def labelled_stories(label: LabelledDay) -> list[tuple[str, list[str]]]:
    """The day's stories of at least two items, each with its items in the label file's order."""
    members: dict[str, list[str]] = {}
    for item, story in label.story_of.items():
        members.setdefault(story, []).append(item)
    return [(s, items) for s, items in members.items() if len(items) >= 2]


def storyset_cases(wd: WireDay, assembly: str, draft: bool = False) -> list[StorysetCase]:
    """For each labelled story of at least two items: its first item's headline as the topic,
    the items every house section is offered (`Drafter.offered`, as `desk draft` and the TUI
    gather them), and with `draft` the items the finished draft cites (`DeskService.draft`'s
    path: the drafter's draft, then finalize). `assembly`: `focus` (the path before story
    assembly) or `auto` (story assembly on wire)."""
    from html import unescape

    from assistant.drafting.drafter import Drafter
    from assistant.index.retriever import Retriever
    from assistant.models import Draft, SearchFilters
    from bench.wire_data import archive_items

    svc = wd.service
    title = {i["id"]: unescape(i["title"]) for i in archive_items()}
    items_of: dict[str, set[str]] = {}
    for item, doc in wd.item_doc.items():
        items_of.setdefault(doc, set()).add(item)
    drafter = Drafter(
        svc.store,  # type: ignore[attr-defined]
        Retriever(svc.store, svc.index, svc.settings),  # type: ignore[attr-defined]
        svc.verifier,  # type: ignore[attr-defined]
        svc.settings,  # type: ignore[attr-defined]
        assembly=assembly,
    )

    def items(doc_ids) -> frozenset[str]:
        # A document of another day (a week's workspace) carries no labelled item: it counts
        # as one item of another story.
        return frozenset(i for d in doc_ids for i in items_of.get(d, (f"other-day:{d}",)))

    out = []
    for story, members in labelled_stories(wd.label):
        topic = title[members[0]]
        stub = Draft(id="storyset", topic=topic, filters=SearchFilters(), generator="extractive")
        offered = {
            np_.passage.doc_id
            for spec in drafter.house.sections
            for np_ in drafter.offered(stub, spec)
        }
        cited = None
        if draft:
            from assistant.provenance.finalize import finalize

            try:
                d = finalize(drafter.draft(topic), svc.store, svc.verifier)  # type: ignore[attr-defined]
                used = {
                    n
                    for s in d.sections
                    for p in s.paragraphs
                    for x in p.sentences
                    for n in x.citations
                }
                cited = items(c.doc_id for c in d.citations if c.n in used)
            except Exception:  # an empty draft: it cites nothing
                cited = frozenset()
        out.append(
            StorysetCase(
                wd.label.day.isoformat(), story, topic, frozenset(members), items(offered), cited
            )
        )
    return out


def _storyset_row(name: str, cases: Sequence[StorysetCase]) -> str:
    offered = sum(len(c.offered) for c in cases)
    hit = sum(len(c.offered & c.items) for c in cases)
    total = sum(len(c.items) for c in cases)
    pooled_p = hit / offered if offered else 0.0
    row = (
        f"{name:<12} {len(cases):>3} {pooled_p:>6.3f} {hit / total:>6.3f} "
        f"{mean(c.precision for c in cases):>6.3f} {mean(c.recall for c in cases):>6.3f} "
        f"{sum(c.offered <= c.items for c in cases):>4}/{len(cases):<3}"
    )
    drafted = [c for c in cases if c.cited is not None]
    if drafted:
        cited = sum(len(c.cited or ()) for c in drafted)
        good = sum(len((c.cited or frozenset()) & c.items) for c in drafted)
        clean = sum((c.cited or frozenset()) <= c.items for c in drafted)
        row += f" {good / cited if cited else 0.0:>6.3f} {clean:>4}/{len(drafted):<3}"
    return row


def storyset_table(
    days: Sequence[WireDay], draft: bool = True, where: str = "the day's workspace"
) -> dict[str, list[StorysetCase]]:
    """Before (`focus`: hybrid retrieval per section, cosine-gated) and after (`auto`: the
    topic's story assembled as batch clusters): per day and pooled, the precision (offered items
    that belong to the labelled story) and recall (the story's items offered), pooled over items
    and as a mean over stories; `clean`: stories whose offered (cited) items are all the
    story's. Nothing is tuned here: the assembly runs batch's clustering with batch's measured
    knobs (chosen leave-one-day-out on the same days, see the clustering tables above)."""
    results = {
        a: [c for wd in days for c in storyset_cases(wd, a, draft)] for a in ("focus", "auto")
    }
    head = f"{'day':<12} {'n':>3} {'P':>6} {'R':>6} {'P/st':>6} {'R/st':>6} {'clean':>8}"
    if draft:
        head += f" {'citedP':>6} {'cited clean':>8}"
    for name, label in (
        ("focus", "before: per-section retrieval + cosine gate"),
        ("auto", "after: story assembly (batch clustering of the best hit's day)"),
    ):
        print(
            f"\nitems offered to `desk draft` for a labelled story's first headline ({where}), "
            f"{label}"
        )
        print(head)
        cases = results[name]
        for day in sorted({c.day for c in cases}):
            print(_storyset_row(day, [c for c in cases if c.day == day]))
        print(_storyset_row("pooled", cases))
    print("\nstories whose draft (after) still offers another story's items, or misses its own:")
    for c in results["auto"]:
        if c.offered != c.items:
            print(
                f"  {c.day} {c.topic[:70]!r}: +{len(c.offered - c.items)} other, "
                f"-{len(c.items - c.offered)} missed"
            )
    return results


AUDIT_DAYS = 20
"""Archive days drafted for the audit beside the four labelled ones."""

BASELINE_AUDIT = """\
before the composer changes (commit 9dc9718, lexical verifier; 4 labelled days + 2 archive
days, 23 drafts): empty drafts 1; median sentences 2; lede >= 2 sentences 9%; headlines
supported 91%; feed debris 1; double attributions 0; 'According to X, but' 3; dangling
openers 6.7%; near-duplicates 0.00 per 100; headlines <= 14 words 26%; sections filled or
marked 23% (42 filled, 0 marked, 142 empty); citation recall 0.957, precision 0.957
before the composer2 changes (commit e1c1f91, `--audit 24`: 28 days, 89 drafts): empty 0;
median sentences 4; lede >= 2 sentences 53%; headlines supported 98%; double attributions 1;
dangling 0.0%; near-duplicates 0.30 per 100; headlines <= 14 words 98%; sections 267 filled,
445 marked, 0 empty (every marked section offered the same passages); recall/precision 1.000"""


def audit_days(n: int = AUDIT_DAYS, labelled: Sequence[str] = ()) -> list:
    """`n` archive days spread evenly over the busy days (at least 30 items), labelled days
    left out: the same days every run."""
    from collections import Counter
    from datetime import date

    from bench.wire_data import archive_items

    counts = Counter(i["published"][:10] for i in archive_items())
    busy = sorted(d for d, c in counts.items() if c >= 30 and d not in set(labelled))
    step = max(1, len(busy) // n)
    return [date.fromisoformat(d) for d in busy[::step][:n]]


def draft_day(wd, min_sources: int = 2) -> list:
    """Every story of the day with at least `min_sources` sources, drafted and finalised as
    `desk batch` does (its own drafter, pins and filters); a story that fails is a `None`."""
    out = []
    for story in wd.runner.cluster(wd.docs):
        if story.sources < min_sources:
            continue
        try:
            out.append((story, wd.runner.draft_story(story)))
        except Exception as exc:  # an empty draft fails; it is counted, not fatal
            out.append((story, exc))
    return out


def draft_audit(days: Sequence[WireDay], tmp: Path, extra: int = AUDIT_DAYS, seed: int = 10):
    """The draft audit: the labelled days plus `extra` archive days, every story with at least
    two sources drafted, the audit table, 30 random sentences with their cited passages, and
    three complete drafts."""
    import random

    from assistant.audit import AuditTable, DraftAudit, composed
    from bench.wire_data import LabelledDay

    labelled = [wd.label.day.isoformat() for wd in days]
    # Each day's workspace also holds the week before it, as a desk's does: batch drafts tell
    # earlier items on a story's event as background (`assistant/batch/background.py`).
    days = [load_day(wd.label, tmp / f"audit-{wd.label.day}", before=AUDIT_BEFORE) for wd in days]
    more = [
        load_day(LabelledDay(d, {}, frozenset()), tmp / f"audit-{d}", before=AUDIT_BEFORE)
        for d in audit_days(extra, labelled)
    ]
    from assistant.audit import short_lede_reason

    drafted = []
    failed = []
    short: list[tuple[object, str, str]] = []
    with_background: list[tuple[object, str, list[str]]] = []
    for wd in [*days, *more]:
        store = wd.service.store  # type: ignore[attr-defined]
        for story, result in draft_day(wd):
            if isinstance(result, Exception):
                failed.append((wd.label.day, story, result))
                continue
            drafted.append((wd.label.day, story, result))
            earlier = {d.id for d in wd.runner.background.get(story.id, [])}  # type: ignore[attr-defined]
            told = [
                s.text
                for sec in result.sections
                for p in sec.paragraphs
                for s in p.sentences
                if any(c.doc_id in earlier for c in result.citations if c.n in s.citations)
            ]
            if told:
                with_background.append((wd.label.day, story.title, told))
            texts = [p.text for doc_id in story.doc_ids for p in store.passages_of(doc_id)]
            reason = short_lede_reason(result, texts)
            if reason is not None:
                short.append((wd.label.day, story.title, reason))
        wd.service.close()  # type: ignore[attr-defined]
    expected = [
        s.id
        for s in days[0].service.drafter.house.sections
        if not s.optional  # type: ignore
    ]
    audits = [DraftAudit.of(d, expected) for _, _, d in drafted]
    print(
        f"\ndraft audit: {len(drafted)} drafts, {len(failed)} failed stories, "
        f"{len(days) + len(more)} days ({', '.join(str(d) for d in sorted({x[0] for x in drafted}))})"
    )
    # A story the drafter refuses (no supported sentence) is an empty draft in the table.
    table = AuditTable.of(audits + [_failed_audit(expected) for _ in failed])
    print(table.render())
    print(BASELINE_AUDIT)
    for day, story, exc in failed[:10]:
        print(f"  failed {day} {story.title[:60]!r}: {exc}")
    _print_details(drafted, audits, short, table)
    print(
        f"\ndrafts telling earlier items as background: {len(with_background)} of {len(drafted)} "
        f"({sum(len(t) for _, _, t in with_background)} sentences); every one of them:"
    )
    for day, title, told in with_background:
        print(f"  {day} {title[:70]!r}")
        for t in told:
            print(f"      {t}")
    rng = random.Random(seed)
    pool = [
        (d, sec.id, sent)
        for _, _, d in drafted
        for sec in d.sections
        for p in sec.paragraphs
        for sent in p.sentences
        if composed(sent)
    ]
    print(
        f"\n30 random composed sentences (of {len(pool)}: attribution or background prefix, "
        "or two citations) with their cited passages"
    )
    for d, sid, sent in rng.sample(pool, min(30, len(pool))):
        label = sent.verdict.label if sent.verdict else "unverified"
        print(f"\n[{sid}] ({label}) {sent.text}")
        for n in sent.citations:
            c = d.citation(n)
            if c is not None:
                print(f"    [{n}] {c.outlet}: {c.text[:300]}")
    print("\nthree complete drafts")
    renderer = days[0].service.renderer  # type: ignore[attr-defined]
    for _, _, d in rng.sample(drafted, min(3, len(drafted))):
        print("\n" + "-" * 78)
        print(renderer.render(d, "md"))
    return table


def _print_details(drafted: Sequence, audits: Sequence, short: Sequence, table) -> None:
    """What the table's failing rows are made of, and the sections filled against marked."""
    from collections import Counter

    from assistant.audit import corroborated, headline_sentence

    spread = Counter(a.sentences for a in audits)
    print(
        "sentences per draft (count: drafts): "
        + ", ".join(f"{n}: {spread[n]}" for n in sorted(spread))
    )
    print(f"\nshort ledes ({len(short)} of {len(drafted)} drafts), and why:")
    for day, title, reason in short:
        print(f"  {day} {title[:60]!r}: {reason}")
    bad = [
        (day, d) for (day, _, d), a in zip(drafted, audits, strict=True) if not a.headline_supported
    ]
    print(f"headlines not verified supported: {len(bad)}")
    for day, d in bad:
        h = headline_sentence(d)
        if h is not None:
            label = h.verdict.label if h.verdict else "unverified"
            why = "; ".join(h.verdict.reasons) if h.verdict else ""
            print(f"  {day} ({label}) {h.text!r}: {why}")
    for a in audits:
        for t in a.double_attributions:
            print(f"  double attribution: {t}")
        for t in a.broken_attributions:
            print(f"  attribution glued to a connective: {t}")
        for t in a.debris:
            print(f"  feed debris: {t!r}")
    fused = [s for _, _, d in drafted for s in corroborated(d)]
    background = [
        s
        for _, _, d in drafted
        for sec in d.sections
        for p in sec.paragraphs
        for s in p.sentences
        if s.text.startswith("Earlier, on ")
    ]
    print(
        f"corroborated sentences (two outlets cited): {len(fused)}, "
        f"supported {sum(1 for s in fused if s.verdict and s.verdict.label == 'supported')}; "
        f"background sentences: {len(background)}"
    )
    per: dict[str, Counter] = {}
    for a in table.audits:
        for sid, state in a.sections.items():
            per.setdefault(sid, Counter())[state] += 1
    print(f"\n{'section':<18} {'filled':>7} {'marked':>7} {'empty':>6}")
    for sid, c in per.items():
        print(f"{sid:<18} {c['filled']:>7} {c['marked']:>7} {c['empty']:>6}")
    offered = Counter(
        (id(d), c.doc_id)
        for _, _, d in drafted
        for sec in d.sections
        if sec.not_provided is not None
        for c in sec.not_provided.candidates
    )
    repeats = sum(1 for n in offered.values() if n > 1)
    print(
        f"candidate passages offered: {len(offered)}, offered under two sections or more: {repeats}"
    )


def _failed_audit(expected: Sequence[str]):
    from assistant.audit import DraftAudit

    return DraftAudit(
        empty=True,
        sentences=0,
        lede_sentences=0,
        headline_supported=False,
        headline_words=0,
        debris=(),
        double_attributions=(),
        broken_attributions=(),
        dangling=(),
        near_duplicates=(),
        sections={sid: "empty" for sid in expected},
        citation_recall=0.0,
        citation_precision=0.0,
    )


def audit_only(extra: int = AUDIT_DAYS) -> None:
    """`python -m bench.eval_wire --audit [N]`: the draft audit alone (no clustering grids)."""
    with tempfile.TemporaryDirectory() as tmp:
        days = [load_day(lab, Path(tmp) / lab.day.isoformat()) for lab in labelled_days()]
        draft_audit(days, Path(tmp), extra)


AUDIT_BEFORE = 7
"""Days before each audited day that its workspace also holds (where background comes from)."""

WEEK = 3
"""Days either side of a labelled day in the week's workspace of the storyset table."""


def storyset_weeks(tmp: Path) -> None:
    """The storyset table on a week's wire (the labelled day and `WEEK` days either side, as a
    desk's workspace holds it): another day's items on the same theme compete. Items of the
    other days are scored as other stories (they are unlabelled; a continuation of the story
    the day before counts against precision)."""
    weeks = [
        load_day(lab, tmp / f"week-{lab.day.isoformat()}", around=WEEK) for lab in labelled_days()
    ]
    storyset_table(weeks, where=f"a week's workspace: the day and {WEEK} days either side")
    for wd in weeks:
        wd.service.close()  # type: ignore[attr-defined]


def storyset_only() -> None:
    """`python -m bench.eval_wire --storyset`: the items-behind-a-draft tables alone."""
    with tempfile.TemporaryDirectory() as tmp:
        days = [load_day(lab, Path(tmp) / lab.day.isoformat()) for lab in labelled_days()]
        storyset_table(days)
        storyset_weeks(Path(tmp))


if __name__ == "__main__":
    import sys

    if "--storyset" in sys.argv:
        storyset_only()
    elif "--audit" in sys.argv:
        rest = sys.argv[sys.argv.index("--audit") + 1 :]
        audit_only(int(rest[0]) if rest else AUDIT_DAYS)
    else:
        run()
