"""The index records which embedding model built it: after `embedding_model` changes (another
dimension, or the same dimension with other weights) every search asks for `desk reindex`
instead of mixing vector spaces; `desk reindex` re-embeds everything with the new model,
resumes after a SIGKILL, and records the new model only when done. A workspace written before
identities were recorded (`tests/data/workspace_v1`) is adopted when the configured model
reproduces its vectors, and refused otherwise.

The other models are real sentence-transformers models built on disk from the wheel's model
plus a `Dense` layer (no download)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from _index_corpus import add_all, allsides_documents
from click.testing import CliRunner
from conftest import REPO, shared_data

from assistant.cli import cli
from assistant.errors import DeskError
from assistant.index import model_identity
from assistant.index.model_identity import IndexModelError, weights_digest
from assistant.index.passage_index import PassageIndex
from assistant.paths import default_embedding_model
from assistant.service import DeskService
from assistant.store import Store
from assistant.workspace import Workspace

V1 = Path(__file__).resolve().parent / "data" / "workspace_v1"
V1_TOPIC = "Anchorage talks and the Ankara NATO summit"


def _dense_model(target: Path, out_features: int, seed: int) -> Path:
    """The wheel's model followed by a seeded random `Dense` layer, saved as a local folder."""
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.models import Dense

    base = SentenceTransformer(str(default_embedding_model()), device="cpu", local_files_only=True)
    torch.manual_seed(seed)
    dense = Dense(in_features=384, out_features=out_features)
    SentenceTransformer(modules=[*base, dense], device="cpu").save(str(target))
    return target


@pytest.fixture(scope="module")
def model_128(tmp_path_factory) -> Path:
    return _dense_model(tmp_path_factory.mktemp("models") / "model", 128, seed=1)


@pytest.fixture(scope="module")
def model_384(tmp_path_factory) -> Path:
    """Same dimension as the wheel's model, other weights (and also a folder named `model`)."""
    return _dense_model(tmp_path_factory.mktemp("models") / "model", 384, seed=2)


def _set_model(root: Path, model: Path | str, batch_size: int | None = None) -> None:
    lines = [f'embedding_model = "{model}"']
    if batch_size:
        lines.append(f"embedding_batch_size = {batch_size}")
    (root / "desk.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def built(tmp_path) -> Path:
    """A workspace of three allsides stories, indexed with the wheel's model."""
    root = tmp_path / "ws"
    ws = Workspace.init(root)
    store = Store(ws.db_path)
    add_all(store, allsides_documents(shared_data(), stories=3))
    index = PassageIndex(ws, store)
    index.sync()
    index.close()
    store.close()
    return root


@pytest.fixture
def v1(tmp_path) -> Path:
    root = tmp_path / "workspace_v1"
    shutil.copytree(V1, root)
    return root


def _search(root: Path, query: str):
    service = DeskService.open(root)
    try:
        return service.search(query)
    finally:
        service.close()


def _recorded(root: Path):
    ws = Workspace.open(root)
    store = Store(ws.db_path)
    index = PassageIndex(ws, store)
    try:
        return index.vectors.model_identity(), index.vectors.reindex_target()
    finally:
        index.close()
        store.close()


def _reindex(root: Path):
    return CliRunner().invoke(cli, ["--workspace", str(root), "reindex"], catch_exceptions=False)


def _first_passage(root: Path):
    store = Store(Workspace.open(root).db_path)
    try:
        return store.passages()[0]
    finally:
        store.close()


def test_an_index_records_the_weights_dimension_and_backend_of_its_model(built):
    identity, target = _recorded(built)
    assert target is None
    assert identity is not None
    assert identity.weights == weights_digest(default_embedding_model())
    assert (identity.dimension, identity.backend) == (384, "torch")


def test_another_dimension_asks_for_reindex_and_reindex_fixes_it(built, model_128):
    passage = _first_passage(built)
    _set_model(built, model_128)
    with pytest.raises(IndexModelError) as err:
        _search(built, passage.text)
    message = str(err.value)
    assert isinstance(err.value, DeskError)
    assert "384 dimensions" in message and "128 dimensions" in message
    assert str(model_128) in message and str(default_embedding_model()) in message
    assert "desk reindex" in message and "desk.toml" in message

    result = _reindex(built)
    assert result.exit_code == 0, result.output
    total = len(Store(Workspace.open(built).db_path).passage_ids())
    assert f"embedded {total} of {total} passages" in result.output
    assert "128 dimensions" in result.output

    hits = _search(built, passage.text)
    assert hits[0].passage.id == passage.id
    identity, target = _recorded(built)
    assert target is None and identity is not None
    assert (identity.dimension, identity.weights) == (128, weights_digest(model_128))

    # And back: the index now belongs to the 128-dimensional model.
    _set_model(built, "default")
    with pytest.raises(IndexModelError, match="desk reindex"):
        _search(built, passage.text)


def test_same_dimension_with_other_weights_is_detected(built, model_384):
    passage = _first_passage(built)
    _set_model(built, model_384)
    with pytest.raises(IndexModelError, match="desk reindex") as err:
        _search(built, passage.text)
    assert weights_digest(model_384)[:12] in str(err.value)
    # Ingesting with the other model must not add its vectors either.
    service = DeskService.open(built)
    try:
        with pytest.raises(IndexModelError):
            service.ingest([REPO / "corpus" / "wire"])
    finally:
        service.close()
    assert _reindex(built).exit_code == 0
    assert _search(built, passage.text)[0].passage.id == passage.id


def test_the_frozen_v1_workspace_opens_and_searches_with_the_wheel_model(v1):
    saved = json.loads(next((v1 / "sessions").glob("*.json")).read_text(encoding="utf-8"))
    old_ids = [h["passage"]["id"] for h in saved["hits"]]
    assert _recorded(v1) == (None, None)  # written before identities existed

    hits = _search(v1, V1_TOPIC)
    # The same top passage as the old code found for the same topic, and mostly the same list.
    assert hits[0].passage.id == old_ids[0]
    assert len({h.passage.id for h in hits} & set(old_ids)) >= len(old_ids) - 2
    identity, _ = _recorded(v1)
    assert identity is not None and identity.weights == weights_digest(default_embedding_model())


def test_the_frozen_v1_workspace_refuses_a_model_that_did_not_build_it(v1, model_384, model_128):
    _set_model(v1, model_384)
    with pytest.raises(IndexModelError, match="does not reproduce its vectors") as err:
        _search(v1, V1_TOPIC)
    assert "desk reindex" in str(err.value)
    _set_model(v1, model_128)
    with pytest.raises(IndexModelError, match="384-dimensional vectors"):
        _search(v1, V1_TOPIC)
    assert _recorded(v1) == (None, None)  # refusing records nothing

    result = _reindex(v1)
    assert result.exit_code == 0, result.output
    assert _search(v1, V1_TOPIC)
    assert _recorded(v1)[0].dimension == 128


CHILD = textwrap.dedent(
    """
    import sys, time
    from assistant.service import DeskService

    class Loud:
        def start(self, task, total=None):
            print("start", task, total, flush=True)
        def advance(self, n=1):
            print("advanced", n, flush=True)
            time.sleep(0.3)  # widen the window so the kill lands mid-run
        def done(self):
            pass

    DeskService.open(sys.argv[1]).reindex(progress=Loud())
    print("finished", flush=True)
    """
)


def test_reindex_killed_midway_blocks_searches_and_resumes(v1, model_128):
    _set_model(v1, model_128, batch_size=1)  # writes of 16 x 1 passages
    total = len(Store(Workspace.open(v1).db_path).passage_ids())
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(v1)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.startswith("start embedding"), line
        for _ in range(2):  # two write batches of 16 land, then kill without warning
            line = child.stdout.readline()
            assert line.startswith("advanced"), line
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    identity, target = _recorded(v1)
    assert identity is None and target is not None and target.dimension == 128
    with pytest.raises(IndexModelError, match="interrupted") as err:
        _search(v1, V1_TOPIC)
    assert "resumes where it stopped" in str(err.value)

    service = DeskService.open(v1)
    try:
        report = service.reindex()
    finally:
        service.close()
    assert report.resumed and report.passages == total
    assert 0 < report.embedded <= total - 16  # what the killed run wrote is kept
    assert _search(v1, V1_TOPIC)
    identity, target = _recorded(v1)
    assert target is None and identity is not None and identity.dimension == 128


def test_weight_digests_are_cached_by_path_size_and_mtime(tmp_path, monkeypatch):
    """A new process (an empty in-memory cache) reads the digest from the cache file instead
    of re-hashing; a changed weight file is hashed again and changes the identity; a README
    is not part of it."""
    model = tmp_path / "model"
    (model / "2_Dense").mkdir(parents=True)
    (model / "model.safetensors").write_bytes(b"a" * 1000)
    (model / "2_Dense" / "model.safetensors").write_bytes(b"b" * 1000)
    (model / "README.md").write_text("not part of the identity", encoding="utf-8")
    cache = tmp_path / "index" / "model_digests.json"
    hashed: list[str] = []
    real = model_identity.hashlib.file_digest

    def counting(fh, name):
        hashed.append(fh.name)
        return real(fh, name)

    monkeypatch.setattr(model_identity.hashlib, "file_digest", counting)
    first = weights_digest(model, cache)
    assert len(hashed) == 2 and cache.is_file()
    monkeypatch.setattr(model_identity, "_DIGESTS", {})  # as in a new process
    assert weights_digest(model, cache) == first
    assert len(hashed) == 2

    (model / "README.md").write_text("edited", encoding="utf-8")
    assert weights_digest(model, cache) == first
    (model / "2_Dense" / "model.safetensors").write_bytes(b"c" * 1001)
    assert weights_digest(model, cache) != first
    assert len(hashed) == 3


def test_an_emptied_index_takes_the_model_that_writes_next(built, model_128):
    """Nothing to mix with: after every document is removed, a new model may write at once
    (Chroma would keep the old collection's dimension, so it is started afresh)."""
    ws = Workspace.open(built)
    store = Store(ws.db_path)
    path = store.known_files()[0] if store.known_files() else None
    docs = allsides_documents(shared_data(), stories=3)
    with store.transaction():
        removed = store.forget_file(path or docs[0].location.path)
    index = PassageIndex(ws, store)
    index.delete(removed)
    assert store.count_passages() == 0 and index.vectors.count() == 0
    index.close()

    _set_model(built, model_128)
    ws = Workspace.open(built)
    index = PassageIndex(ws, store)
    try:
        add_all(store, docs[:2])
        assert index.sync() == store.count_passages()
        assert index.vectors.model_identity().dimension == 128
    finally:
        index.close()
        store.close()
    passage = _first_passage(built)
    assert _search(built, passage.text)[0].passage.id == passage.id
