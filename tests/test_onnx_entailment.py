"""The entailment model on ONNX Runtime gives torch's answers: on real held-out sentences
(`../shared/data/verify/`, the evaluation halves), labels under the calibrated cut-offs are the
same on ≥ 99.5% of sentences and probabilities are within 0.02. A stale or corrupt export is
rebuilt with a message; the `verifier_runtime` setting picks the runtime the service uses."""

from __future__ import annotations

import logging
import random

import pytest


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def pairs():
    """(premise, hypothesis) of 200 held-out sentences, premises selected as the verifier does."""
    from assistant.verify.premise import Premise
    from bench.verify_sets import load_examples, split

    _, held = split(load_examples(), seed=13)
    sample = random.Random("onnx-agreement").sample(held, 200)
    out = []
    for e in sample:
        premise = Premise.select(e.sentence, {1: e.evidence}, max_tokens=160)
        out.append((premise.text, e.sentence))
    return out


@pytest.fixture(scope="module")
def both(cache, pairs):
    from assistant.verify.entailment import EntailmentModel
    from assistant.verify.onnx_entailment import OnnxEntailmentModel

    torch_model = EntailmentModel.load()
    onnx_model = OnnxEntailmentModel(cache_root=cache)
    premises, hyps = [p for p, _ in pairs], [h for _, h in pairs]
    return torch_model.predict(premises, hyps), onnx_model.predict(premises, hyps)


def test_onnx_gives_torchs_probabilities_and_labels_on_held_out_sentences(both):
    from assistant.verify.thresholds import Thresholds

    torch_p, onnx_p = both
    cuts = Thresholds.load().entailment

    def label(p: float) -> str:
        if p >= cuts.supported:
            return "supported"
        return "weak" if p >= cuts.unsupported else "unsupported"

    assert max(abs(a - b) for a, b in zip(torch_p, onnx_p, strict=True)) <= 0.02
    same = sum(label(a) == label(b) for a, b in zip(torch_p, onnx_p, strict=True))
    assert same / len(torch_p) >= 0.995
    # Not a constant model: the held-out sentences get spread-out probabilities.
    assert max(torch_p) - min(torch_p) > 0.5


def test_a_stale_or_corrupt_export_is_rebuilt_with_a_message(cache, both):
    from assistant.verify.entailment import default_model_dir
    from assistant.verify.onnx_entailment import OnnxEntailmentModel, ensure_export

    onnx_path = ensure_export(default_model_dir(), cache)
    record = onnx_path.parent / "export.json"
    record.write_text(record.read_text().replace('"export_version": 1', '"export_version": 0'))
    messages: list[str] = []
    model = OnnxEntailmentModel(cache_root=cache, notify=messages.append)
    assert messages and "changed" in messages[0] and str(onnx_path.parent) in messages[0]

    onnx_path.write_bytes(b"not a graph")
    messages.clear()
    model = OnnxEntailmentModel(cache_root=cache, notify=messages.append)
    assert any("cannot load" in m for m in messages), messages
    p = model.predict(["The council approved the budget on Monday."], ["The budget was approved."])
    assert 0.0 <= p[0] <= 1.0


def test_the_onnx_setting_runs_the_verifiers_model_on_onnx(cache, monkeypatch, caplog):
    from assistant.verify.onnx_entailment import OnnxEntailmentModel
    from assistant.verify.verifier import Verifier

    monkeypatch.setenv("DESK_CACHE_DIR", str(cache.parent / "verifier-cache"))
    caplog.set_level(logging.INFO)
    v = Verifier(backend="entailment", runtime="onnx", strict=True)
    evidence = "The city council approved the new budget on Monday after a long debate."
    verdict = v.verify_sentence(
        "The city council approved the new budget on Monday.", {1: evidence}
    )
    assert isinstance(v.judge.model, OnnxEntailmentModel)
    assert v.backend == "entailment" and "onnx" in v.describe()
    assert verdict.label == "supported"


@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_the_runtime_setting_picks_what_runs_the_services_model(tmp_path, monkeypatch, runtime):
    from assistant.service import DeskService
    from assistant.verify.entailment import EntailmentModel
    from assistant.verify.onnx_entailment import OnnxEntailmentModel
    from assistant.workspace import Workspace

    monkeypatch.setenv("DESK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("DESK_VERIFIER_RUNTIME", runtime)
    Workspace.init(tmp_path / "ws")
    service = DeskService.open(tmp_path / "ws", overrides={"verifier": "entailment"})
    try:
        assert service.verifier.judge.runtime == runtime
        expected = OnnxEntailmentModel if runtime == "onnx" else EntailmentModel
        assert isinstance(service.verifier.judge.model, expected)
        assert runtime in service.verifier.describe()
    finally:
        service.close()
