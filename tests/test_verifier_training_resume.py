"""The training recipe on a tiny real-model run: a run stopped by its time budget leaves a
checkpoint, the next run continues from it (not from step 0), and the result is the model an
uninterrupted run makes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

PAIRS = [
    ("The talks in Anchorage lasted about three hours.", "The talks lasted three hours.", 1),
    ("The talks in Anchorage lasted about three hours.", "The talks lasted two days.", 0),
    ("NATO leaders gathered in Ankara for a two-day summit.", "NATO met in Ankara.", 1),
    ("NATO leaders gathered in Ankara for a two-day summit.", "NATO met in Madrid.", 0),
    ("Output fell 1.2% in August.", "Output fell in August.", 1),
    ("Output fell 1.2% in August.", "Output rose 1.2% in August.", 0),
]


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "pairs.jsonl"
    rows = []
    for i in range(4):
        for j, (p, h, label) in enumerate(PAIRS):
            rows.append(
                {
                    "source": "test",
                    "file": "test",
                    "group": f"g{j}",
                    "premise": p,
                    "hypothesis": f"{h}" if i == 0 else f"{h} ({i})",
                    "label": label,
                    "split": "train",
                }
            )
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def _weights(folder: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(folder / "adapter.safetensors"))


@pytest.mark.slow
def test_a_stopped_run_resumes_from_its_checkpoint_and_ends_where_a_whole_run_does(tmp_path):
    from bench.verifier_training.train import train

    data = _data(tmp_path)
    hp = {"pairs": 24, "batch_size": 4, "rank": 4}
    whole = train(data, tmp_path / "w1", tmp_path / "m1", seed=5, log=lambda *_: None, **hp)
    assert whole is not None and whole["training"]["steps"] == 6

    logs: list[str] = []
    first = train(
        data, tmp_path / "w2", tmp_path / "m2", seed=5, max_minutes=0, log=logs.append, **hp
    )
    assert first is None, "a zero-minute budget stops at the first checkpoint"
    assert (tmp_path / "w2" / "checkpoint.pt").is_file()
    assert not (tmp_path / "m2").exists()
    assert any("stopped" in line for line in logs)

    logs.clear()
    second = train(data, tmp_path / "w2", tmp_path / "m2", seed=5, log=logs.append, **hp)
    assert second is not None
    assert any("resuming" in line and "step 1/6" in line for line in logs), logs
    a, b = _weights(tmp_path / "m1"), _weights(tmp_path / "m2")
    assert a.keys() == b.keys()
    for key in a:
        assert (a[key] - b[key]).abs().max().item() < 1e-5, key


def test_a_checkpoint_from_other_settings_is_not_silently_resumed(tmp_path):
    from bench.verifier_training.train import train

    data = _data(tmp_path)
    train(
        data,
        tmp_path / "w",
        tmp_path / "m",
        seed=5,
        max_minutes=0,
        log=lambda *_: None,
        pairs=24,
        batch_size=4,
        rank=4,
    )
    with pytest.raises(SystemExit, match="checkpoint.pt: made from other data or settings"):
        train(
            data,
            tmp_path / "w",
            tmp_path / "m",
            seed=6,
            log=lambda *_: None,
            pairs=24,
            batch_size=4,
            rank=4,
        )


def test_a_run_left_to_size_itself_fits_its_time_budget(tmp_path):
    """No --pairs: the run measures its speed over its first steps and then sees only the pairs
    that fit --train-minutes (here none beyond the measuring steps)."""
    from bench.verifier_training.train import train

    logs: list[str] = []
    config = train(
        _data(tmp_path),
        tmp_path / "w",
        tmp_path / "m",
        seed=5,
        log=logs.append,
        batch_size=4,
        rank=4,
        max_pairs=400,
        train_minutes=0.0,
        sizing_steps=2,
    )
    assert config is not None
    assert config["training"]["steps"] == 3, "2 measuring steps, then the budget is spent"
    assert any("measured" in line and "pairs/s" in line for line in logs), logs
    assert (tmp_path / "m" / "adapter.safetensors").is_file()
