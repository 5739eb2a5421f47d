"""How much of SmolLM2-135M's text survives verification, before and after a prompt change
(`make eval`, or `python -m bench.eval llm_prompts`).

A fixed set of topics, drafted with the `llama-cpp` generator (the packaged SmolLM2-135M GGUF)
through the real drafter: the demo corpus (`corpus/`) and labelled stories of two wire-archive
days (`../shared/data/wire-archive/`, ingested as the RSS feeds they came from; the story's
label is the topic, its day the window). Sections: headline, lede, body_1.

Each prompt set runs once; every generator call is recorded with the passages it was offered.
We report, per prompt set:
- `first`: the sentences of the first attempt (after post-processing), and how many of them
  the verifier calls `supported` without any repair, by the default lexical verifier and by
  `verifier="entailment"` (the committed model in `assistant/verify/model/`), on the same
  sentences;
- `retry`: supported after the one repair round, which rewrites only the rejected sentences
  (the drafter ran with the lexical verifier; the merge is redone here for both verifiers on
  the recorded rewrites);
- `final`: the draft's sentences after the fallback (closest supported source sentence), and
  how many of them are still the model's own words rather than copied source sentences.

The `before` prompts are `prompts/` as of git revision `EVAL_LLM_PROMPTS_BEFORE` (default
`e1c1f91`, the wording before the synthesis prompts), read with `git show`; `after` is the
checkout's `prompts/`. `EVAL_LLM_PROMPTS_BEFORE=none` skips the before run,
`EVAL_LLM_PROMPTS_ONLY=before|after` runs one of them, `EVAL_LLM_PROMPTS_TOPICS=n` keeps the
first n topics (default: all 7), `EVAL_LLM_PROMPTS_CONTEXT` sets the model's context (default
2048 tokens, as in the tests: a 4096 context took ~40 s a call on a busy 2-core machine).
`EVAL_LLM_PROMPTS_SHOW` (default 2) sets how many sections' first attempts are printed in full,
for a human to read.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SECTIONS = ["headline", "lede", "body_1"]
BEFORE_REV = "e1c1f91"
DEMO_TOPICS = (
    "Anchorage talks and the Ankara NATO summit",
    "Kremlin compromise signal and the Ankara summit",
)
# (day, story label in labels/<day>.json): stories with two or more outlets on the same event.
WIRE_TOPICS = (
    (date(2025, 12, 11), "Fed's divided December rate cut and Powell on jobs data"),
    (date(2025, 12, 11), "US seizes oil tanker off Venezuela"),
    (date(2025, 12, 11), "Machado escapes Venezuela, praises Trump pressure on Maduro"),
)
WIRE_DAY_2 = date(2025, 6, 5)
N_WIRE_DAY_2 = 2


@dataclass
class Call:
    """One generator call as the drafter made it, and what the generator returned."""

    topic: str
    request: Any
    output: list[str]


@dataclass
class Recorder:
    """A generator wrapper that records every call (the drafter cannot tell it apart)."""

    inner: Any
    calls: list[Call] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.inner.name)

    @property
    def model(self) -> str | None:
        return self.inner.model  # type: ignore[no-any-return]

    def prompt_versions(self) -> dict[str, str]:
        return self.inner.prompt_versions()  # type: ignore[no-any-return]

    def compose(self, request: Any, on_token: Any = None, cancel: Any = None) -> list[str]:
        out = self.inner.compose(request, on_token, cancel)
        self.calls.append(Call(request.topic, request, list(out)))
        return list(out)


def topics() -> list[tuple[str, Any]]:
    """(topic, filters) in a fixed order: demo corpus, then the wire-archive stories."""
    import json

    from assistant.models import SearchFilters
    from bench.wire_data import WIRE

    out: list[tuple[str, Any]] = [(t, SearchFilters()) for t in DEMO_TOPICS]
    chosen = list(WIRE_TOPICS)
    blob = json.loads((WIRE / "labels" / f"{WIRE_DAY_2}.json").read_text(encoding="utf-8"))
    multi = [s["story"] for s in blob["stories"] if len(s["items"]) >= 2]
    chosen += [(WIRE_DAY_2, s) for s in multi[:N_WIRE_DAY_2]]
    for day, story in chosen:
        since = datetime(day.year, day.month, day.day, tzinfo=UTC)
        out.append((story, SearchFilters(since=since, until=since + timedelta(days=1))))
    limit = os.environ.get("EVAL_LLM_PROMPTS_TOPICS", "").strip()
    return out[: int(limit)] if limit else out


def before_prompts(rev: str, into: Path) -> Path | None:
    """`prompts/` at `rev`, written to `into`; None when git or the revision is unavailable."""
    try:
        names = subprocess.run(
            ["git", "-C", str(REPO), "ls-tree", "--name-only", f"{rev}:prompts"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        into.mkdir(parents=True, exist_ok=True)
        for name in names:
            text = subprocess.run(
                ["git", "-C", str(REPO), "show", f"{rev}:prompts/{name}"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            (into / name).write_text(text, encoding="utf-8")
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"before prompts unavailable ({rev}): {exc}")
        return None
    return into


def _checker(verifier: Any, request: Any) -> Any:
    from assistant.drafting.drafter import citation_for
    from assistant.drafting.repair import SentenceChecker
    from assistant.verify.verifier import citation_context

    return SentenceChecker(
        verifier,
        request.passages,
        {p.n: citation_context(citation_for(p.passage, p.n)) for p in request.passages},
    )


def count(calls: list[Call], verifier: Any) -> dict[str, int]:
    """First-attempt sentences and how many are supported; the same after the rewrite retry."""
    from assistant.drafting.repair import merge_rewrites, parse_paragraph

    first = supported = retried = 0
    repairs = {id(c.request): c for c in calls if c.request.rewrite}
    for i, call in enumerate(calls):
        if call.request.is_repair:
            continue
        checker = _checker(verifier, call.request)
        parsed = checker.check_all([parse_paragraph(p) for p in call.output])
        flat = [s for para in parsed for s in para]
        first += len(flat)
        supported += sum(1 for s in flat if s.ok)
        # The drafter's retry (if any) is the next call for the same section.
        nxt = calls[i + 1] if i + 1 < len(calls) else None
        if (
            nxt is not None
            and id(nxt.request) in repairs
            and nxt.request.section == call.request.section
        ):
            merged, _ = merge_rewrites(parsed, nxt.output, checker, avoid=call.request.previous)
            retried += sum(1 for para in merged for s in para if s.ok)
        else:
            retried += sum(1 for s in flat if s.ok)
    return {"first": first, "supported": supported, "retry": retried}


def final_counts(drafts: list[Any]) -> dict[str, int]:
    """The drafts' sentences after the fallback, and how many are the model's own words."""
    own = total = 0
    for d in drafts:
        for sec in d.sections:
            for p in sec.paragraphs:
                copied = sum(1 for note in p.repaired if note.startswith("replaced"))
                n = len(p.sentences)
                total += n
                own += max(0, n - copied)
    return {"final": total, "own": own}


def run_prompt_set(service: Any, prompts: Path, chosen: list[tuple[str, Any]]) -> dict[str, Any]:
    from assistant.drafting.generators.llama_cpp import LlamaCppGenerator

    context = int(os.environ.get("EVAL_LLM_PROMPTS_CONTEXT", "2048"))
    settings = service.settings.model_copy(
        update={"prompts_dir": str(prompts), "llm_context": context}
    )
    recorder = Recorder(LlamaCppGenerator(settings))
    drafter = service.drafter
    drafter._generators[("llama-cpp", None)] = recorder  # noqa: SLF001 - the bench's own wiring
    drafts, failed = [], []
    t0 = time.perf_counter()
    for i, (topic, filters) in enumerate(chosen, start=1):
        print(f"  {i}/{len(chosen)} {topic} ({time.perf_counter() - t0:.0f}s)", flush=True)
        try:
            drafts.append(drafter.draft(topic, filters, "llama-cpp", sections=SECTIONS))
        except Exception as exc:  # an empty draft is a result too: it counts as 0 sentences
            failed.append(f"{topic}: {type(exc).__name__}: {exc}")
            draft = getattr(exc, "draft", None)
            if draft is not None:
                drafts.append(draft)
    seconds = time.perf_counter() - t0
    del drafter._generators[("llama-cpp", None)]  # noqa: SLF001
    return {"calls": recorder.calls, "drafts": drafts, "failed": failed, "seconds": seconds}


def _share(n: int, d: int) -> str:
    return f"{n:>3}/{d:<3} {n / d:>6.1%}" if d else f"{n:>3}/{d:<3} {'-':>6}"


def _show(calls: list[Call], verifier: Any, n: int) -> None:
    from assistant.drafting.repair import parse_paragraph

    shown = 0
    for call in calls:
        if shown >= n or call.request.is_repair or call.request.section.id == "headline":
            continue
        shown += 1
        checker = _checker(verifier, call.request)
        print(f"  [{call.request.section.id}] {call.topic}")
        for para in checker.check_all([parse_paragraph(p) for p in call.output]):
            for s in para:
                label = s.verdict.label if s.verdict else "?"
                print(f"    {label:<11} {s.text} {s.markers}")


def run() -> dict[str, Any]:
    import torch

    from assistant.index.embedder import Embedder
    from assistant.service import DeskService
    from assistant.verify.verifier import Verifier
    from assistant.workspace import Workspace
    from bench.wire_data import write_day_feeds

    torch.set_num_threads(int(os.environ.get("EVAL_TORCH_THREADS", "1")))
    chosen = topics()
    rev = os.environ.get("EVAL_LLM_PROMPTS_BEFORE", BEFORE_REV).strip()
    show = int(os.environ.get("EVAL_LLM_PROMPTS_SHOW", "2") or 0)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sets: list[tuple[str, Path]] = []
        only = os.environ.get("EVAL_LLM_PROMPTS_ONLY", "").strip().lower()
        if rev.lower() != "none" and only != "after":
            old = before_prompts(rev, Path(tmp) / "prompts-before")
            if old is not None:
                sets.append((f"before ({rev})", old))
        if only != "before":
            sets.append(("after (prompts/)", REPO / "prompts"))
        service = DeskService(Workspace.init(Path(tmp) / "ws"))
        try:
            for day in sorted({WIRE_TOPICS[0][0], WIRE_DAY_2}):
                write_day_feeds(day, Path(tmp) / "wire" / day.isoformat())
            report = service.ingest([REPO / "corpus", Path(tmp) / "wire"])
            print(f"ingested {report.documents} documents; {len(chosen)} topics × {SECTIONS}")
            entailment = Verifier(Embedder.for_settings(service.settings), backend="entailment")
            verifiers = {"lexical": service.verifier, "entailment": entailment}
            for name, folder in sets:
                out = run_prompt_set(service, folder, chosen)
                row: dict[str, Any] = {"seconds": out["seconds"], "failed": out["failed"]}
                for vname, v in verifiers.items():
                    row[vname] = count(out["calls"], v)
                row |= final_counts(out["drafts"])
                results[name] = row
                print(f"\n{name}: first attempts, lexical verdicts", flush=True)
                _show(out["calls"], service.verifier, show)
        finally:
            service.close()
    _print(results)
    return results


def _print(results: dict[str, Any]) -> None:
    print(
        "\nSmolLM2-135M sentences supported without repair (first attempt), after the rewrite "
        "retry, and in the final draft"
    )
    head = (
        f"{'prompts':<22} {'verifier':<11} {'first attempt ok':>17} {'after retry ok':>17} "
        f"{'final (own words)':>18} {'s':>5}"
    )
    print(head)
    print("-" * len(head))
    for name, row in results.items():
        for vname in ("lexical", "entailment"):
            c = row[vname]
            final = f"{row['final']} ({row['own']})" if vname == "lexical" else ""
            print(
                f"{name:<22} {vname:<11} {_share(c['supported'], c['first']):>17} "
                f"{_share(c['retry'], c['first']):>17} {final:>18} {row['seconds']:>5.0f}"
            )
        for f in row["failed"]:
            print(f"   failed {f}")


if __name__ == "__main__":
    run()
