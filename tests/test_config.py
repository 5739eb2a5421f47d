"""Settings layering and errors: defaults < desk.toml < DESK_* env < CLI flags."""

from __future__ import annotations

import subprocess
import sys

import pytest

from assistant.config import ConfigError, load_settings
from assistant.workspace import Workspace, WorkspaceError


def test_layers_override_in_order(tmp_path):
    toml = tmp_path / "desk.toml"
    toml.write_text('retrieval_k = 5\ngenerator = "openai"\nmmr_lambda = 0.5\n')
    s = load_settings(
        toml, {"retrieval_k": 9}, environ={"DESK_MMR_LAMBDA": "0.9", "DESK_GENERATOR": "llama-cpp"}
    )
    assert s.retrieval_k == 9  # flag beats file
    assert s.mmr_lambda == 0.9  # env beats file
    assert s.generator == "llama-cpp"
    assert load_settings(None, environ={}).retrieval_k == 12  # default


def test_unknown_key_in_toml_is_named(tmp_path):
    toml = tmp_path / "desk.toml"
    toml.write_text("retreival_k = 5\n")
    with pytest.raises(ConfigError, match="retreival_k"):
        load_settings(toml, environ={})


def test_unknown_env_key_is_named():
    with pytest.raises(ConfigError, match="DESK_NOPE"):
        load_settings(None, environ={"DESK_NOPE": "1"})


def test_bad_value_names_key_and_origin(tmp_path):
    toml = tmp_path / "desk.toml"
    toml.write_text('generator = "gpt-9"\n')
    with pytest.raises(ConfigError, match=r"generator.*desk.toml"):
        load_settings(toml, environ={})


def test_broken_toml_names_file(tmp_path):
    toml = tmp_path / "desk.toml"
    toml.write_text("retrieval_k = = 5\n")
    with pytest.raises(ConfigError, match="desk.toml"):
        load_settings(toml, environ={})


def test_init_writes_a_valid_commented_toml(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    assert ws.toml_path.exists() and ws.index_dir.is_dir() and ws.sessions_dir.is_dir()
    # Every line is a comment, so the defaults apply and the file parses.
    assert Workspace.open(ws.root).settings.retrieval_k == 12


def test_second_writer_gets_a_clear_message(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    code = (
        "import sys; from assistant.workspace import Workspace, WorkspaceError\n"
        f"ws = Workspace.open(r'{ws.root}')\n"
        "try:\n    ws.lock().__enter__()\nexcept WorkspaceError as e:\n    print(e); sys.exit(3)\n"
    )
    with ws.lock("ingest"):
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert res.returncode == 3, res.stderr
    assert "busy" in res.stdout and "ingest running as pid" in res.stdout


def test_open_missing_workspace_without_create(tmp_path):
    with pytest.raises(WorkspaceError, match="desk init"):
        Workspace.open(tmp_path / "nope", create=False)
