"""The ONNX Runtime backend of the embedder: the same vectors as torch on real passages, an
export rebuilt when it is stale or corrupt, and no torch on the ONNX path once exported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, shared_data

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory) -> Path:
    """Laid out as `DESK_CACHE_DIR/models`, so a workspace set to `onnx` finds the export."""
    return tmp_path_factory.mktemp("desk-cache") / "models"


@pytest.fixture(scope="module")
def encoders(onnx_cache):
    from assistant.index.embedder import Embedder
    from assistant.paths import default_embedding_model

    path = default_embedding_model()
    return Embedder(path, backend="torch"), Embedder(path, backend="onnx", cache_root=onnx_cache)


def _real_passages(n: int) -> list[str]:
    texts: list[str] = []
    for line in (shared_data() / "allsides/allsides_dev.jsonl").open(encoding="utf-8"):
        for art in json.loads(line)["news"].values():
            texts += [p for p in art.get("newBody") or [] if p.strip()]
        if len(texts) >= n:
            break
    return texts[:n]


def test_onnx_vectors_match_torch_on_real_passages(encoders):
    import numpy as np

    torch_enc, onnx_enc = encoders
    texts = _real_passages(300)
    a, b = torch_enc.encode(texts), onnx_enc.encode(texts)
    assert a.shape == b.shape
    assert float((a * b).sum(axis=1).min()) >= 0.9999
    # The same ten nearest neighbours for every passage.
    sa, sb = a @ a.T, b @ b.T
    for i in range(0, len(texts), 10):
        assert set(np.argsort(-sa[i])[:10]) == set(np.argsort(-sb[i])[:10])
    q = "Colin Powell dies of COVID-19 complications"
    assert float(torch_enc.encode_query(q) @ onnx_enc.encode_query(q)) >= 0.9999


def test_stale_and_corrupt_exports_are_rebuilt(encoders, onnx_cache):
    from assistant.index.onnx_encoder import OnnxEncoder

    _, onnx_enc = encoders
    export_dir = onnx_enc._onnx.onnx_path.parent
    record_path = export_dir / "export.json"
    record = json.loads(record_path.read_text())
    record.update(source_sha256="0" * 64, source_mtime_ns=1)
    record_path.write_text(json.dumps(record))
    messages: list[str] = []
    OnnxEncoder(onnx_enc.model_path, onnx_cache, notify=messages.append)
    assert any("the source weights changed" in m for m in messages), messages
    assert json.loads(record_path.read_text())["source_sha256"] != "0" * 64

    (export_dir / "model.onnx").write_bytes(b"not an onnx graph")
    messages.clear()
    rebuilt = OnnxEncoder(onnx_enc.model_path, onnx_cache, notify=messages.append)
    assert any("cannot load it" in m for m in messages), messages
    assert rebuilt.encode(["still works"]).shape == (1, 384)


def test_onnx_path_never_imports_torch_once_exported(encoders, onnx_cache):
    code = (
        "import sys\n"
        "from assistant.index.embedder import Embedder\n"
        "from assistant.paths import default_embedding_model\n"
        f"e = Embedder(default_embedding_model(), backend='onnx', cache_root=__import__('pathlib').Path({str(onnx_cache)!r}))\n"
        "v = e.encode(['a sentence', 'another one'])\n"
        "assert v.shape == (2, 384), v.shape\n"
        "print('torch' in sys.modules)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"


def test_a_workspace_switched_to_onnx_searches_its_torch_index_without_reindex(
    tmp_path, encoders, onnx_cache, monkeypatch
):
    from assistant.service import DeskService
    from assistant.workspace import Workspace

    monkeypatch.setenv("DESK_CACHE_DIR", str(onnx_cache.parent))
    ws = Workspace.init(tmp_path / "ws")
    first = DeskService(ws)
    assert not first.ingest([REPO / "corpus"]).failed
    query = "Kremlin statement before the Ankara summit"
    torch_hits = [h.passage.id for h in first.search(query)]
    first.close()
    second = DeskService(Workspace.open(ws.root, {"embedding_backend": "onnx"}))
    try:
        assert second.index.embedder.backend == "onnx"
        onnx_hits = [h.passage.id for h in second.search(query)]
    finally:
        second.close()
    assert onnx_hits[:3] == torch_hits[:3]
