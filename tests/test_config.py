"""Settings layering and errors: defaults < desk.toml < DESK_* env < CLI flags."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from assistant.config import ConfigError, Settings, load_settings, settings_as_toml
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


@pytest.mark.parametrize("line", ["rrf_k = true", "retrieval_k = false", "mmr_lambda = true"])
def test_a_boolean_is_not_a_number(tmp_path, line):
    toml = tmp_path / "desk.toml"
    toml.write_text(line + "\n")
    key = line.split()[0]
    with pytest.raises(ConfigError, match=rf"'{key}'.*desk.toml.*boolean"):
        load_settings(toml, environ={})


def test_a_desk_toml_that_is_a_folder_is_named(tmp_path):
    (tmp_path / "desk.toml").mkdir()
    with pytest.raises(ConfigError, match=r"desk.toml is a folder"):
        load_settings(tmp_path / "desk.toml", environ={})


def test_a_desk_toml_that_is_not_utf8_is_named(tmp_path):
    toml = tmp_path / "desk.toml"
    toml.write_bytes("retrieval_k = 5\n# Zürich desk\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"desk.toml: not UTF-8 text \(byte 0xfc on line 2\)"):
        load_settings(toml, environ={})


def test_every_commented_line_desk_init_writes_is_valid_once_uncommented(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    lines = ws.toml_path.read_text(encoding="utf-8").splitlines()
    settings_lines = [line for line in lines if line.startswith("# ") and " = " in line]
    assert {line[2:].split(" = ")[0] for line in settings_lines} == set(Settings.model_fields)
    for n, line in enumerate(lines):
        if not line.startswith("#"):
            continue
        uncommented = [*lines[:n], line.removeprefix("#").removeprefix(" "), *lines[n + 1 :]]
        ws.toml_path.write_text("\n".join(uncommented) + "\n", encoding="utf-8")
        try:
            load_settings(ws.toml_path, environ={})  # parses, and is a valid setting
        except ConfigError as exc:
            pytest.fail(f"line {n + 1} uncommented: {line!r}: {exc}")


def test_the_api_key_is_never_printed(tmp_path):
    toml = tmp_path / "desk.toml"
    toml.write_text('openai_api_key = "sk-from-file"\n')
    from_file = load_settings(toml, environ={})
    from_env = load_settings(toml, environ={"DESK_OPENAI_API_KEY": "sk-from-env"})
    assert from_env.openai_api_key.get_secret_value() == "sk-from-env"  # env beats the file
    for settings, secret in ((from_file, "sk-from-file"), (from_env, "sk-from-env")):
        for dump in (
            repr(settings),
            str(settings),
            settings.model_dump_json(),
            str(settings.model_dump()),
            settings_as_toml(settings),
        ):
            assert secret not in dump


def test_env_values_are_parsed_and_named_when_bad():
    s = load_settings(None, environ={"DESK_RRF_K": "30", "DESK_CHROMA_URL": "http://h:8000"})
    assert s.rrf_k == 30 and s.chroma_url == "http://h:8000"
    with pytest.raises(ConfigError, match=r"'rrf_k' \(from environment \(DESK_RRF_K\)\)"):
        load_settings(None, environ={"DESK_RRF_K": "lots"})


def test_a_misspelt_key_gets_a_suggestion(tmp_path):
    toml = tmp_path / "desk.toml"
    toml.write_text("rrf_kk = 5\n")
    with pytest.raises(ConfigError, match=rf"unknown setting 'rrf_kk' in {toml}.*'rrf_k'"):
        load_settings(toml, environ={})


_HOLD_THEN_WAIT = """
import sys
from assistant.workspace import Workspace, WorkspaceError
ws = Workspace.open(sys.argv[1])
print("trying", flush=True)
try:
    with ws.lock("batch", wait=float(sys.argv[2])):
        print("got the lock", flush=True)
except WorkspaceError as exc:
    print(exc, flush=True)
    sys.exit(3)
"""


def test_a_second_writer_can_wait_for_the_first(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    with ws.lock("ingest"):
        waiter = subprocess.Popen(
            [sys.executable, "-c", _HOLD_THEN_WAIT, str(ws.root), "600"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert waiter.stdout is not None
        assert waiter.stdout.readline().strip() == "trying"
        # With wait=0 it would have failed at once (see below); it must still be waiting.
        time.sleep(1)
        assert waiter.poll() is None
    out, _ = waiter.communicate(timeout=120)
    assert waiter.returncode == 0 and out.strip() == "got the lock"
    assert not ws.holder_path.exists()  # cleared on release

    with ws.lock("ingest"):
        refused = subprocess.run(
            [sys.executable, "-c", _HOLD_THEN_WAIT, str(ws.root), "0"],
            capture_output=True,
            text=True,
        )
    assert refused.returncode == 3, refused.stderr
    assert f"workspace {ws.root} is busy: ingest running as pid {os.getpid()}" in refused.stdout
