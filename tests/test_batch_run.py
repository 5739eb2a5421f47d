"""`desk batch` end to end on the demo corpus (real embedder, Chroma, extractive drafter,
verifier, provenance and renderer): outputs, idempotency, resume, a failing story, the CLI.

One interrupted-then-failed-then-resumed run must end byte for byte where an uninterrupted run
ends (apart from the drafts' `created_at`/`updated_at` and run.json's `run` block), which
checks idempotency and resume together while drafting each story as few times as possible.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from assistant.batch import BatchInterrupted
from assistant.models import Draft

WINDOW = {"since": "2025-08-01", "until": "2026-12-31"}
OPTIONS = {"min_sources": 1, "max_stories": 3}
_TIMESTAMP = re.compile(r'"(created_at|updated_at)": "[^"]+"')


def normalised(path: Path) -> bytes:
    """File bytes with the one run-dependent field of drafts (their timestamps) blanked."""
    data = path.read_bytes()
    if path.suffix == ".json" and path.name != "run.json":
        data = _TIMESTAMP.sub(r'"\1": "<normalised>"', data.decode("utf-8")).encode("utf-8")
    if path.suffix == ".done":
        # The marker hashes each output; the JSON's hash follows the draft's timestamps.
        marker = json.loads(data)
        marker["sha256"].pop("json")
        data = json.dumps(marker, sort_keys=True).encode("utf-8")
    if path.name == "run.json":
        run = json.loads(data)
        run.pop("run")
        data = json.dumps(run, sort_keys=True).encode("utf-8")
    return data


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): normalised(p)
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def full_run(demo_service, tmp_path_factory):
    out = tmp_path_factory.mktemp("batch") / "full"
    report = demo_service.batch(**WINDOW, **OPTIONS, out_dir=out)
    return report


def test_batch_writes_verified_syntheses_and_a_linked_digest(full_run):
    run = json.loads((full_run.out_dir / "run.json").read_text(encoding="utf-8"))
    assert full_run.exit_code == 0 and run["failures"] == []
    assert run["documents"] >= 20 and run["stories_found"] >= 3
    selected = [s for s in run["stories"] if s["selected"]]
    assert len(selected) == 3
    assert [s["rank"] for s in run["stories"]] == sorted(s["rank"] for s in run["stories"])
    # Ranked by independent sources first.
    assert [s["sources"] for s in run["stories"]] == sorted(
        (s["sources"] for s in run["stories"]), reverse=True
    )
    all_docs = [d for s in run["stories"] for d in s["doc_ids"]]
    assert len(all_docs) == len(set(all_docs)) == run["documents"]
    for story in selected:
        synthesis = story["synthesis"]
        assert synthesis["status"] == "ok"
        draft = Draft.model_validate_json(
            (full_run.out_dir / synthesis["files"]["json"]).read_text(encoding="utf-8")
        )
        assert draft.id == story["id"]
        assert draft.provenance is not None and draft.provenance.entries
        assert synthesis["citation_recall"] == round(draft.metrics.citation_recall, 4)
        assert synthesis["citation_precision"] == round(draft.metrics.citation_precision, 4)
        cited_docs = {c.doc_id for c in draft.citations}
        # Grounded in the story's own items, plus its background (earlier items on the event,
        # named in run.json): (almost) every other citation points at a member.
        background = set(synthesis["background"])
        news = cited_docs - background
        assert len(news & set(story["doc_ids"])) / len(news) >= 0.9, story["title"]
        earlier = [c for c in draft.citations if c.doc_id in background]
        assert all(c.published_at is not None for c in earlier)
        md = (full_run.out_dir / synthesis["files"]["md"]).read_text(encoding="utf-8")
        assert "## Wire provenance" in md
        assert (
            "<html"
            in (full_run.out_dir / synthesis["files"]["html"]).read_text(encoding="utf-8").lower()
        )
    digest_md = (full_run.out_dir / "digest.md").read_text(encoding="utf-8")
    digest_html = (full_run.out_dir / "digest.html").read_text(encoding="utf-8")
    digest = Draft.model_validate_json(
        (full_run.out_dir / "digest.json").read_text(encoding="utf-8")
    )
    for story in selected:
        assert f"(stories/{story['id']}.md)" in digest_md
        assert f'href="stories/{story["id"]}.html"' in digest_html
    # Every digest sentence is cited and verified as supported by the verifier, again.
    sentences = [s for sec in digest.sections for p in sec.paragraphs for s in p.sentences]
    assert sentences and all(s.citations for s in sentences)
    assert (
        run["digest"]["metrics"]["citation_recall"]
        == round(digest.metrics.citation_recall, 4)
        >= 0.9
    )
    assert set(run["run"]["timings_s"]) == {"select", "cluster", "draft", "verify", "render"}


def test_interrupted_then_failing_then_resumed_run_matches_a_clean_run(
    demo_service, full_run, tmp_path
):
    out = tmp_path / "resumed"
    first_id, second_id, third_id = [s["id"] for s in full_run.stories if s["selected"]]

    # 1. Interrupted after the first story (as SIGTERM does in `desk batch`).
    cancel = threading.Event()

    class StopAfterFirstStory:
        def start(self, task, total=None):
            self.task = task

        def advance(self, n=1):
            if self.task.startswith("drafting"):
                cancel.set()

        def done(self):
            pass

    with pytest.raises(BatchInterrupted) as info:
        demo_service.batch(
            **WINDOW, **OPTIONS, out_dir=out, progress=StopAfterFirstStory(), cancel=cancel
        )
    partial = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert partial["run"]["interrupted"] is True and info.value.report.run == partial
    assert (out / "stories" / f"{first_id}.done").exists()
    assert not (out / "stories" / f"{second_id}.done").exists() and not (out / "digest.md").exists()
    first_mtimes = {p.name: p.stat().st_mtime_ns for p in (out / "stories").glob(f"{first_id}.*")}

    # 2. Resumed with the second story's output path blocked: it fails, the others complete.
    (out / "stories" / f"{second_id}.md").mkdir(parents=True)
    report = demo_service.batch(**WINDOW, **OPTIONS, out_dir=out)
    assert report.exit_code == 1
    assert report.run["run"]["reused_stories"] == [first_id]
    assert [f["story_id"] for f in report.failures] == [second_id]
    assert report.failures[0]["stage"] == "write" and "Directory" in report.failures[0]["reason"]
    by_id = {s["id"]: s for s in report.stories}
    assert by_id[second_id]["synthesis"]["status"] == "failed"
    assert (
        by_id[third_id]["synthesis"]["status"] == "ok"
        and (out / "stories" / f"{third_id}.done").exists()
    )
    digest_md = (out / "digest.md").read_text(encoding="utf-8")
    assert f"stories/{third_id}.md" in digest_md and f"stories/{second_id}.md" not in digest_md
    assert {
        p.name: p.stat().st_mtime_ns for p in (out / "stories").glob(f"{first_id}.*")
    } == first_mtimes

    # 3. Unblocked: only the failed story is drafted; the result equals the clean run's.
    (out / "stories" / f"{second_id}.md").rmdir()
    report = demo_service.batch(**WINDOW, **OPTIONS, out_dir=out)
    assert report.exit_code == 0 and report.failures == []
    assert sorted(report.run["run"]["reused_stories"]) == sorted([first_id, third_id])
    assert {
        p.name: p.stat().st_mtime_ns for p in (out / "stories").glob(f"{first_id}.*")
    } == first_mtimes
    assert tree(out) == tree(full_run.out_dir)


def test_a_tampered_output_is_redrafted_on_resume(demo_service, full_run, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(full_run.out_dir, out)
    victim = next(s["id"] for s in full_run.stories if s["selected"])
    (out / "stories" / f"{victim}.md").write_text("truncated", encoding="utf-8")
    report = demo_service.batch(**WINDOW, **{**OPTIONS, "max_stories": 1}, out_dir=out)
    assert report.run["run"]["reused_stories"] == []
    assert (out / "stories" / f"{victim}.md").read_bytes() == (
        full_run.out_dir / "stories" / f"{victim}.md"
    ).read_bytes()


def test_an_empty_window_gives_an_empty_digest_and_exit_0(demo_service, tmp_path):
    report = demo_service.batch(day="2020-01-01", out_dir=tmp_path / "empty")
    assert report.exit_code == 0 and report.run["documents"] == 0 and report.stories == []
    assert report.run["digest"]["metrics"]["stories"] == 0
    assert "No sources are cited." in (tmp_path / "empty" / "digest.md").read_text(encoding="utf-8")


def _desk(args: list[str], workspace: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "assistant", "--workspace", str(workspace), "batch", *args],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=600,
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--date", "2025-13-45"], "YYYY-MM-DD"),
        (["--date", "2025-08-15", "--tz", "Mars/Olympus"], "unknown time zone"),
        (["--since", "2025-08-15"], "both --since and --until"),
        (["--date", "2025-08-15", "--max-stories", "0"], "--max-stories"),
        (["--date", "2025-08-15", "--generator", "nonsense"], "generator"),
    ],
)
def test_cli_bad_usage_exits_2_with_a_clear_message(demo_service, args, message):
    done = _desk(args, demo_service.workspace.root)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_runs_unattended_for_a_local_day(demo_service, tmp_path):
    """No TTY, stdin closed: `desk batch --date ... --tz ...` drafts that London day and exits 0."""
    out = tmp_path / "cli"
    done = _desk(
        [
            "--date",
            "2025-08-16",
            "--tz",
            "Europe/London",
            "--min-sources",
            "2",
            "--max-stories",
            "1",
            "--out",
            str(out),
        ],
        demo_service.workspace.root,
    )
    assert done.returncode == 0, done.stderr
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["window"]["since_utc"] == "2025-08-15T23:00:00+00:00"
    assert run["window"]["until_utc"] == "2025-08-16T23:00:00+00:00"
    times = [t for s in run["stories"] for t in (s["start"], s["end"])]
    assert times and all("2025-08-15T23:00" <= t < "2025-08-16T23:00" for t in times)
    assert "INFO assistant.batch" in done.stderr  # logs go to stderr
    assert "run report:" in done.stdout


# --- batch reads the core's parts and replaces nothing on the service -----------------------
class ReadOnly:
    """The service, for a run that may read any part of it but must not set or delete one."""

    def __init__(self, target):
        object.__setattr__(self, "_target", target)

    def __getattr__(self, name):
        return getattr(object.__getattribute__(self, "_target"), name)

    def __setattr__(self, name, value):
        raise AttributeError(f"the batch run replaced the service's {name!r}")

    def __delattr__(self, name):
        raise AttributeError(f"the batch run deleted the service's {name!r}")


class MeasuredVerifier:
    """The workspace's verifier, adding up the seconds its calls take (to check run.json)."""

    def __init__(self, verifier):
        self.verifier = verifier
        self.seconds = 0.0
        self.drafts = 0

    def _timed(self, fn, *args):
        import time

        t0 = time.perf_counter()
        try:
            return fn(*args)
        finally:
            self.seconds += time.perf_counter() - t0

    def verify_sentence(self, text, cited, context=None):
        return self._timed(self.verifier.verify_sentence, text, cited, context)

    def verify_draft(self, draft):
        self.drafts += 1
        return self._timed(self.verifier.verify_draft, draft)


def _options(out: Path, stories: int):
    from assistant.batch import BatchOptions, BatchWindow

    return BatchOptions(
        window=BatchWindow.resolve(**WINDOW), out_dir=out, min_sources=1, max_stories=stories
    )


def test_a_run_replaces_nothing_on_the_service(demo_service, tmp_path):
    from assistant.batch import BatchRunner

    before = dict(vars(demo_service))
    report = BatchRunner(ReadOnly(demo_service), _options(tmp_path / "ro", 1)).run()
    assert report.failures == [] and report.exit_code == 0
    assert [s["synthesis"]["status"] for s in report.stories if s["selected"]] == ["ok"]
    after = vars(demo_service)
    assert all(after[k] is v for k, v in before.items())
    assert not {"finalize", "draft", "render"} & set(after)


def test_stage_timings_count_the_drafters_own_verification_as_verify(demo_service, tmp_path):
    """A run built from the core's parts alone (no service): every second the verifier spends,
    inside drafting or after it, is in run.json's verify stage, not in draft."""
    from types import SimpleNamespace

    from assistant.batch import BatchRunner

    verifier = MeasuredVerifier(demo_service.verifier)
    core = SimpleNamespace(
        settings=demo_service.settings,
        store=demo_service.store,
        index=demo_service.index,
        verifier=verifier,
        renderer=demo_service.renderer,
    )
    report = BatchRunner(core, _options(tmp_path / "timed", 2)).run()
    assert report.exit_code == 0
    timings = report.run["run"]["timings_s"]
    assert set(timings) == {"select", "cluster", "draft", "verify", "render"}
    # Per story: the drafter's own check of the whole draft, then finalize's; then the digest's.
    assert verifier.drafts == 2 * 2 + 1
    assert timings["verify"] > 0 and timings["draft"] > 0 and timings["render"] > 0
    assert timings["verify"] >= round(verifier.seconds, 3) - 0.001


def test_nested_stages_are_charged_to_themselves_only():
    from assistant.batch.clock import StageClock

    now = [0.0]
    clock = StageClock(["draft", "verify"], timer=lambda: now[0])
    with clock.stage("draft"):
        now[0] += 2.0
        with clock.stage("verify"):
            now[0] += 3.0
        now[0] += 1.0
    with clock.stage("verify"):
        with clock.stage("verify"):
            now[0] += 0.5
        now[0] += 0.25
    assert clock.seconds == {"draft": 3.0, "verify": 3.75}
