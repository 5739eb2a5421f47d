"""A `sync()` killed with SIGKILL in the middle of embedding leaves the workspace consistent and
queryable, and the next `sync()` embeds exactly what is missing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from _index_corpus import add_all, allsides_documents
from conftest import REPO, shared_data

from assistant.index.passage_index import PassageIndex
from assistant.index.retriever import Retriever
from assistant.store import Store
from assistant.workspace import Workspace

CHILD = textwrap.dedent(
    """
    import sys, time
    from assistant.workspace import Workspace
    from assistant.store import Store
    from assistant.index.passage_index import PassageIndex

    class Loud:
        def start(self, task, total=None):
            pass
        def advance(self, n=1):
            print("advanced", n, flush=True)
            time.sleep(0.3)  # widen the window so the kill lands mid-run
        def done(self):
            pass

    ws = Workspace.open(sys.argv[1])
    PassageIndex(ws, Store(ws.db_path)).sync(progress=Loud())
    print("finished", flush=True)
    """
)


def test_sigkill_mid_sync_is_consistent_and_resumable(tmp_path):
    root = tmp_path / "ws"
    Workspace.init(root)
    (root / "desk.toml").write_text("embedding_batch_size = 1\n", encoding="utf-8")
    ws = Workspace.open(root)
    store = Store(ws.db_path)
    docs = allsides_documents(shared_data(), stories=8)
    add_all(store, docs, max_chars=160)
    total = store.count_passages()
    assert total > 5 * 16  # several write batches of 16 x 1 passages

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
        text=True,
    )
    try:
        for _ in range(3):  # let a few batches land, then kill without warning
            line = child.stdout.readline()
            assert line.startswith("advanced"), line
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL

    done_before = total - len(store.unembedded_passages())
    assert 0 < done_before < total

    index = PassageIndex(ws, store)
    try:
        # Every passage marked embedded has its vector: no mark without a vector.
        in_chroma = set(index.vectors.all_ids())
        assert store.passage_ids(embedded=True) <= in_chroma
        # Queryable as it stands.
        retriever = Retriever(store, index, ws.settings)
        assert retriever.search("Colin Powell", k=3)

        embedded = index.sync()
        assert embedded <= total - done_before  # vectors written before the kill are reused
        assert store.unembedded_passages() == []
        assert index.vectors.count() == total
        hits = retriever.search(docs[-1].text[:150], k=3)
        assert hits[0].passage.doc_id == docs[-1].id
    finally:
        index.close()
        store.close()
