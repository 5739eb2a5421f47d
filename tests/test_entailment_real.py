"""The trained entailment model on real text it never saw: 40 AllSides stories that the training
data leaves out (`synthetic.acceptance_stories`). A sentence fused from two sentences of a
passage is supported; the same sentence with an antonym, or with a name swapped for another
name of the same passage, is not.

Judged through `Verifier.verify_sentence` with the calibrated cut-off and the hard checks off.
Skipped, saying why, until `make train-verifier` has written the artefact; from then on it is the
model's acceptance test (the issue asks for at least 20 real cases)."""

from __future__ import annotations

import random

import pytest

from tests.conftest import shared_data


@pytest.fixture(scope="module")
def verifier():
    """The default verifier with its calibrated cut-off and the hard checks off: this tests what
    the model itself accepts (the hard checks have their own tests)."""
    from assistant.verify.entailment import default_model_dir
    from assistant.verify.thresholds import Thresholds
    from assistant.verify.verifier import Verifier

    if not (default_model_dir() / "config.json").is_file():
        pytest.skip(
            f"no trained entailment model in {default_model_dir()} yet; run `make train-verifier`"
        )
    th = Thresholds.load()
    th = th.model_copy(update={"entailment": th.entailment.model_copy(update={"caps": {}})})
    return Verifier(thresholds=th, backend="entailment", strict=True)


@pytest.fixture(scope="module")
def cases():
    """(story, passage, fused, antonym twin or None, name-swap twin or None)."""
    from bench.verifier_training import synthetic as sy

    data = shared_data()
    held = sy.acceptance_stories(sy.read_allsides(data))
    assert not {s.key for s in held} & {s.key for s in sy.read_stories(data)}
    rng = random.Random("acceptance-cases")
    out = []
    for story in held:
        passage = story.passages[0]
        usable = [s for s in sy.sentences(passage) if sy._usable(s)]
        for a, b in zip(usable, usable[1:], strict=False):
            fused = sy.fuse(a, b) if sy._distinct(a, b) else None
            if fused is None:
                continue
            flipped = sy.antonym(fused, rng)
            swapped = sy.swap_name(fused, passage, rng)
            if flipped or swapped:
                out.append((story.key, passage, fused, flipped, swapped))
                break
    return out


def test_there_are_enough_real_held_out_cases(cases):
    assert len(cases) >= 20


@pytest.mark.xfail(
    strict=True,
    reason="the committed model (1 epoch, 31k pairs) accepts ~85%+ of the fused sentences but "
    "rejects only ~20% of their antonym and name-swap twins at the calibrated cut-off; this is "
    "why `lexical` stays the default verifier (issue 11 open). Strict: a better model makes "
    "this pass, and then the mark must go.",
)
def test_fused_sentences_are_supported_and_their_altered_twins_are_not(verifier, cases):
    fused_ok, twins_rejected, wrong = [], [], []
    for _key, passage, fused, flipped, swapped in cases:
        verdict = verifier.verify_sentence(fused, {1: passage})
        fused_ok.append(verdict.label == "supported")
        if not fused_ok[-1]:
            wrong.append(("fused", fused, verdict.score))
        for twin in (flipped, swapped):
            if twin:
                verdict = verifier.verify_sentence(twin, {1: passage})
                twins_rejected.append(verdict.label != "supported")
                if not twins_rejected[-1]:
                    wrong.append(("altered", twin, verdict.score))
    assert verifier.backend == "entailment"
    assert sum(fused_ok) / len(fused_ok) >= 0.85, wrong[:6]
    assert sum(twins_rejected) / len(twins_rejected) >= 0.8, wrong[:6]


def test_the_committed_artefact_is_what_verifier_uses_offline_and_small(tmp_path):
    """`Verifier()` in a fresh process, network refused and no hub settings: it loads the
    committed model by path, fetches nothing, and verifies with it."""
    import json
    import subprocess
    import sys
    import textwrap

    from assistant.verify.entailment import default_model_dir
    from tests.conftest import REPO

    size = sum(f.stat().st_size for f in default_model_dir().iterdir() if f.is_file())
    assert size < 20 * 1024 * 1024
    script = textwrap.dedent(
        """
        import json, socket
        attempts = []
        def refuse(self, address, *a, **k):
            attempts.append(repr(address))
            raise OSError("network blocked by the test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = lambda address, *a, **k: refuse(None, address)
        from assistant.verify.verifier import Verifier
        v = Verifier(backend="entailment", strict=True)
        passage = "The talks in Anchorage lasted about three hours. No ceasefire was agreed."
        ok = v.verify_sentence("The Anchorage talks ran for roughly three hours.", {1: passage})
        print(json.dumps({"attempts": attempts, "backend": v.backend, "label": ok.label,
                          "p": ok.signals.get("entailment")}))
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["attempts"] == [] and result["backend"] == "entailment"
    assert result["p"] is not None
