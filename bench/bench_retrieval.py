"""Retrieval benchmarks (issues 2 and 14), each a ratio against a baseline measured in the same run:

1. ingest throughput (`DeskService.ingest`: parse, dedup, chunk, embed, Chroma, BM25) against a
   bare sentence-transformers `encode()` of the very passages it produced — the model's limit;
2. time from files to a searchable index against LangChain's stock pipeline
   (RecursiveCharacterTextSplitter + HuggingFaceEmbeddings on the same local model +
   langchain-chroma `Chroma.from_documents`);
3. re-ingest of the unchanged corpus (a fresh service, as a new `desk ingest` would be) against
   the first ingest;
4. search latency p50/p95 (`Retriever.search`, k=12, model loaded), per query class —
   unfiltered, a 60-day window, one outlet — with the dense and BM25 stages timed apart and the
   dense stage's recall@10 against an exact scan of every passing vector, on an archive of
   real passages (see `bench.search_corpus`: the wire archive and allsides, embedded by the
   model, grown past them by documented noisy copies); optionally the same against a real
   `chroma run` server on 127.0.0.1;
5. RSS while querying and peak RSS;
6. one near-duplicate lookup against 12.5k documents, LSH-banded against a full scan.

Corpus for 1-3: the allsides articles of ../shared/data written out as Markdown files with front
matter (outlet, title, URL, date).

Knobs (environment): BENCH_STORIES (default 120 of the 252; the last 10 are the warm-up),
BENCH_INGEST_REPEATS (3), BENCH_SEARCH_PASSAGES (50000; 1000000 is the year-of-wire run the
README reports), BENCH_QUERIES (201), BENCH_SEARCH_CHROMA_MAX (200000: above it embedded Chroma
is left empty, see `bench_search`), BENCH_SEARCH_SERVER (0; 1 adds the Chroma-server path at
BENCH_SEARCH_SERVER_PASSAGES, 50000), BENCH_RETRIEVAL_STAGES (ingest,search,langchain).
"""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "allsides" / "allsides_dev.jsonl"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _stories(n: int) -> list[dict]:
    with DATA.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh][:n]


def write_markdown_corpus(stories: list[dict], folder: Path) -> int:
    """One Markdown file per outlet article, with front matter; returns the number of files."""
    folder.mkdir(parents=True, exist_ok=True)
    n = 0
    for story in stories:
        when = datetime.fromisoformat(story["date"]).astimezone(UTC)
        for stance, art in story["news"].items():
            body = "\n\n".join(p.strip() for p in art["newBody"] if p.strip())
            if not body:
                continue
            front = {
                "title": art["newsTitle"],
                "source": art["newsSource"],
                "url": art["newsLink"],
                "published": when.isoformat(),
            }
            lines = [
                "---",
                *(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in front.items()),
                "---",
                "",
            ]
            (folder / f"{story['id']}-{stance}.md").write_text(
                "\n".join(lines) + body + "\n", encoding="utf-8"
            )
            n += 1
    return n


# --- 1-3: ingest ------------------------------------------------------------------------------
def bench_ingest(corpus: Path, warmup: Path, work: Path, repeats: int) -> dict:
    """Ingest `corpus` into fresh workspaces and the same passages through the bare model,
    interleaved `repeats` times; both sides keep their fastest run, so machine noise (this is a
    shared machine) cannot flatter either. Before timing, both are warmed on `warmup`, other
    articles: the model is loaded and has seen realistic lengths, and for the ingest the
    libraries it imports once per process (chromadb, bm25s, the language model) are loaded
    — startup, like loading the embedding model, not throughput. That startup is timed too."""
    from assistant.index.embedder import Embedder
    from assistant.service import DeskService
    from assistant.workspace import Workspace

    def ingest(folder: Path, name: str) -> tuple[float, DeskService, object]:
        svc = DeskService(Workspace.init(work / name))
        t0 = time.perf_counter()
        report = svc.ingest([folder])
        took = time.perf_counter() - t0
        if report.failed:
            raise RuntimeError(f"ingest failed on {report.failed[:3]}")
        return took, svc, report

    t0 = time.perf_counter()
    embedder = Embedder.default()
    embedder.encode(["load the model"])
    model_load = time.perf_counter() - t0
    startup, svc, _ = ingest(warmup, "warmup")
    warm_texts = [p.text for p in svc.store.passages()]
    svc.close()
    raw_model = embedder.model  # the very model object our ingest uses

    def raw_encode(texts: list[str]) -> float:
        t0 = time.perf_counter()
        raw_model.encode(
            texts,
            batch_size=embedder.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return time.perf_counter() - t0

    raw_encode(warm_texts)

    # Time spent inside the model (on any thread), to say where the rest of the time goes.
    encode, spent = embedder.encode, [0.0]

    def timed_encode(texts, progress=None):
        t = time.perf_counter()
        try:
            return encode(texts, progress)
        finally:
            spent[0] += time.perf_counter() - t

    runs, embed_runs, raw_runs, texts, report = [], [], [], [], None
    for i in range(repeats):
        spent[0] = 0.0
        embedder.encode = timed_encode  # type: ignore[method-assign]
        try:
            took, svc, report = ingest(corpus, f"ws{i}")
        finally:
            embedder.encode = encode  # type: ignore[method-assign]
        runs.append(took)
        embed_runs.append(spent[0])
        texts = [p.text for p in svc.store.passages()]
        svc.close()
        raw_runs.append(raw_encode(texts))

    svc = DeskService(Workspace.open(work / "ws0"))
    t0 = time.perf_counter()
    again = svc.ingest([corpus])
    second = time.perf_counter() - t0
    svc.close()
    best = min(range(repeats), key=runs.__getitem__)
    assert report is not None
    return {
        "files": report.files,
        "documents": report.documents,
        "passages": len(texts),
        "chars": sum(map(len, texts)),
        "first_s": runs[best],
        "ingest_runs_s": runs,
        "embed_s": embed_runs[best],
        "raw_encode_s": min(raw_runs),
        "raw_runs_s": raw_runs,
        "reingest_s": second,
        "reingest_embedded": again.embedded,
        "model_load_s": model_load,
        "startup_s": startup,
        "warmup_passages": len(warm_texts),
        "rss_mb": _rss_mb(),
    }


def bench_langchain(
    corpus: Path, warmup: Path, work: Path, model_path: Path, chunk_chars: int, repeats: int
) -> dict:
    from langchain_chroma import Chroma
    from langchain_community.document_loaders import DirectoryLoader, TextLoader
    from langchain_core.embeddings import Embeddings
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    class TimedEmbeddings(Embeddings):
        """Delegates to the stock embeddings and records time spent embedding (for the why)."""

        def __init__(self, inner: Embeddings) -> None:
            self.inner, self.seconds = inner, 0.0

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            t0 = time.perf_counter()
            try:
                return self.inner.embed_documents(texts)
            finally:
                self.seconds += time.perf_counter() - t0

        def embed_query(self, text: str) -> list[float]:
            return self.inner.embed_query(text)

    stock = HuggingFaceEmbeddings(
        model_name=str(model_path),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )

    def pipeline(folder: Path, name: str) -> dict:
        embeddings = TimedEmbeddings(stock)
        t0 = time.perf_counter()
        docs = DirectoryLoader(str(folder), glob="*.md", loader_cls=TextLoader).load()
        splitter = RecursiveCharacterTextSplitter(
            chunk_size=chunk_chars, chunk_overlap=chunk_chars // 7
        )
        chunks = splitter.split_documents(docs)
        store = Chroma.from_documents(
            chunks, embeddings, persist_directory=str(work / name), collection_name="bench"
        )
        store.similarity_search("is it searchable", k=1)
        return {
            "chunks": len(chunks),
            "chars": sum(len(c.page_content) for c in chunks),
            "s": time.perf_counter() - t0,
            "embed_s": embeddings.seconds,
        }

    # Warmed and repeated exactly as our side is (see bench_ingest).
    pipeline(warmup, "lc-warmup")
    runs = [pipeline(corpus, f"lc-chroma-{i}") for i in range(repeats)]
    best = min(runs, key=lambda r: r["s"])
    return {**best, "runs_s": [r["s"] for r in runs]}


# --- 4: search latency at ~50k passages --------------------------------------------------------
def build_search_corpus(stories: list[dict], target: int, seed: int = 7):
    """Synthetic documents of 4 passages, each 2-3 sentences drawn from one story's articles."""
    from assistant.models import Document, Passage, SourceLocation, sha256_hex
    from assistant.text import split_sentences

    rng = random.Random(seed)
    outlets = sorted({a["newsSource"] for s in stories for a in s["news"].values()})
    kinds = ["outlet"] * 8 + ["wire", "telegram"]
    pools = []
    for s in stories:
        sents = [
            x
            for a in s["news"].values()
            for p in a["newBody"]
            for x in split_sentences(p)
            if len(x) > 30
        ]
        if len(sents) >= 4:
            pools.append((s, sents))
    base = datetime(2024, 1, 1, tzinfo=UTC)
    docs: list[tuple[Document, list[Passage], list[list[str]]]] = []
    count = 0
    n = 0
    while count < target:
        story, sents = pools[n % len(pools)]
        n += 1
        groups = [rng.sample(sents, rng.choice((2, 3))) for _ in range(4)]
        texts = [" ".join(g) for g in groups]
        text = "\n\n".join(texts)
        digest = sha256_hex(f"{n}:{text}")
        doc_id = f"doc_{digest[:16]}"
        when = base + timedelta(minutes=rng.randrange(0, 2 * 365 * 24 * 60))
        outlet = rng.choice(outlets)
        kind = rng.choice(kinds)
        doc = Document(
            id=doc_id,
            kind=kind,  # type: ignore[arg-type]
            format="markdown",
            outlet=outlet,
            title=story["issue"],
            text=text,
            url=f"https://example.org/{doc_id}",
            published_at=when,
            language="en",
            content_hash=digest,
            location=SourceLocation(path="synthetic", item=str(n)),
            lineage_id=doc_id,
        )
        passages, pos = [], 0
        for t in texts:
            start = text.index(t, pos)
            end = start + len(t)
            pos = end
            passages.append(
                Passage(
                    id=f"{doc_id}:{start}-{end}",
                    doc_id=doc_id,
                    lineage_id=doc_id,
                    text=t,
                    start=start,
                    end=end,
                    content_hash=sha256_hex(t),
                    outlet=outlet,
                    kind=kind,
                    title=doc.title,
                    url=doc.url,
                    published_at=when,
                    language="en",
                )
            )
        docs.append((doc, passages, groups))
        count += len(passages)
    return docs


def _now_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def _percentiles(values: list[float]) -> dict[str, float]:
    if len(values) < 2:
        v = values[0] * 1000 if values else float("nan")
        return {"p50": v, "p95": v}
    return {
        "p50": statistics.median(values) * 1000,
        "p95": statistics.quantiles(values, n=20)[18] * 1000,
    }


def _search_queries(corpus, n: int) -> list[tuple[str, object, str]]:
    """Real headlines; a third unfiltered, a third in a 60-day window around the item, a third
    limited to the item's outlet."""
    from assistant.models import SearchFilters

    rng = random.Random(5)
    out = []
    for i, (title, outlet, when) in enumerate(corpus.queries(n)):
        if i % 3 == 0:
            out.append((title, SearchFilters(), "unfiltered"))
        elif i % 3 == 1:
            since = when - timedelta(days=rng.randrange(0, 60))
            out.append(
                (title, SearchFilters(since=since, until=since + timedelta(days=60)), "time")
            )
        else:
            out.append((title, SearchFilters(outlets=(outlet,)), "outlet"))
    return out


def bench_search(work: Path, target: int, n_queries: int, server: bool = False) -> dict:
    """Search latency on `target` passages (`bench.search_corpus`): `Retriever.search` end to
    end (k=12) and its dense and BM25 stages, per query class, with the dense stage's
    recall@10 against an exact scan of every passing vector.

    Embedded Chroma is filled when `target` is at most BENCH_SEARCH_CHROMA_MAX (200k): it
    inserts ~300 vectors/s on this machine, so a million would take about an hour. Above it
    the bench writes the copy of the vectors kept beside BM25 (what `sync()` builds from
    Chroma) directly, which is what every embedded search reads once it is current; Chroma
    stays empty. With `server`, the vectors go to a real `chroma run` on 127.0.0.1 and every
    dense search is Chroma's (a server workspace keeps no local copy)."""
    import gc

    import numpy as np

    from assistant.index.lexical import LexicalIndex
    from assistant.index.passage_index import PassageIndex
    from assistant.index.retriever import Retriever
    from assistant.index.vector_store import where_for
    from assistant.paths import model_cache_dir
    from assistant.store import Store
    from assistant.workspace import Workspace
    from bench.search_corpus import SearchCorpus

    chroma_max = _env_int("BENCH_SEARCH_CHROMA_MAX", 200_000)
    use_chroma = server or target <= chroma_max
    name = "ws-server" if server else f"ws{target}"
    chroma = _ChromaServer(work / f"{name}-chroma") if server else None
    try:
        Workspace.init(work / name)
        overrides = {"embedding_backend": "onnx"}
        if chroma is not None:
            overrides["chroma_url"] = chroma.url
        ws = Workspace.open(work / name, overrides)
        store = Store(ws.db_path)
        index = PassageIndex(ws, store)
        t0 = time.perf_counter()
        corpus, embed_s = SearchCorpus.build(target, model_cache_dir() / "bench")
        t_real = time.perf_counter() - t0
        t_store = t_vectors = 0.0
        recorded = False
        copy_parts: list[tuple[list[str], np.ndarray]] = []
        for batch, vecs in corpus.batches():
            t0 = time.perf_counter()
            with store.transaction():
                for doc, passages in batch:
                    store.add_document(doc, passages)
            t_store += time.perf_counter() - t0
            t0 = time.perf_counter()
            passages = [p for _, ps in batch for p in ps]
            if use_chroma:
                if not recorded:  # as the first ingest would: the collection names its model
                    index.vectors.record_model(index.configured_model())
                    recorded = True
                index.vectors.upsert(passages, vecs)
            else:
                copy_parts.append(([p.id for p in passages], vecs))
            with store.transaction():
                store.mark_embedded(p.id for p in passages)
            t_vectors += time.perf_counter() - t0
        t0 = time.perf_counter()
        if use_chroma:
            index.sync()  # reconciles; builds BM25 (and, embedded, the copy from Chroma)
        else:
            lexical = LexicalIndex.build(store.passages(), store.generation(), store.log_position())
            t_bm25 = time.perf_counter() - t0
            row: dict[str, int] = {}
            at = 0
            for ids, _ in copy_parts:
                for pid in ids:
                    row[pid] = at
                    at += 1
            every = np.concatenate([v for _, v in copy_parts])
            copy_parts.clear()
            t1 = time.perf_counter()
            lexical.keep_vectors(every[[row[pid] for pid in lexical.ids]])
            t_clusters = time.perf_counter() - t1
            del every, row
            lexical.save(ws.lexical_dir)
            del lexical
        t_index = time.perf_counter() - t0
        gc.collect()
        total = store.count_passages()

        retriever = Retriever(store, index, ws.settings)
        queries = _search_queries(corpus, n_queries)
        for q, f, _ in queries[:6]:
            retriever.search(q, f, 12)  # warm: loads BM25 and the copy, lineage sizes
        lex = index.lexical()
        cands = max(4 * 12, 40)
        stats: dict[str, dict[str, list[float]]] = {}
        # BENCH_SEARCH_PROFILE=1: where the end-to-end time goes beyond the stages timed apart.
        profiler = None
        if os.environ.get("BENCH_SEARCH_PROFILE") == "1":
            import cProfile

            profiler = cProfile.Profile()
        for q, f, cls in queries:
            got = stats.setdefault(
                cls, {"total": [], "embed": [], "dense": [], "bm25": [], "recall": [], "rest": []}
            )
            t0 = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            hits = retriever.search(q, f, 12)
            if profiler is not None:
                profiler.disable()
            got["total"].append(time.perf_counter() - t0)
            assert hits or cls != "unfiltered"
            t0 = time.perf_counter()
            qvec = index.embed_query(q)
            got["embed"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            dense, _ = index.dense_search(qvec, cands, where_for(f), f)
            got["dense"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            index.lexical_search(q, cands, f)
            t_bm = time.perf_counter() - t0
            got["bm25"].append(t_bm)
            # What the end-to-end search spends beyond embedding, dense and BM25 (fusion, store
            # lookups, lineage, MMR), per query.
            got["rest"].append(got["total"][-1] - got["embed"][-1] - got["dense"][-1] - t_bm)
            if lex.vectors is not None:
                exact = {pid for pid, _ in lex.exact_scan(qvec, 10, f)}
                top = {h.id for h in dense[:10]}
                got["recall"].append(len(exact & top) / max(1, len(exact)))
        if profiler is not None:
            import io
            import pstats

            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(20)
            print(f"profile of Retriever.search over {len(queries)} queries (by own time):")
            print(out.getvalue())
        rss_query = _now_rss_mb()
        clusters = lex.clusters
        real_recall = _real_cluster_recall(corpus, index, queries)
        update = _bench_update(ws, store, index, retriever, corpus, total, use_chroma, queries)
        index.close()
        store.close()
    finally:
        if chroma is not None:
            chroma.stop()
    every_total = [t for c in stats.values() for t in c["total"]]
    return {
        "passages": total,
        "corpus": corpus.describe(),
        "real_s": t_real,
        "embed_real_s": embed_s,
        "store_s": t_store,
        "vectors_s": t_vectors,
        "index_s": t_index,
        "bm25_s": t_bm25 if not use_chroma else None,
        "clusters_s": t_clusters if not use_chroma else None,
        "chroma": "server"
        if server
        else ("embedded" if use_chroma else "empty (copy written directly)"),
        "clusters": 0 if clusters is None else len(clusters.centroids),
        "overall": _percentiles(every_total),
        "classes": {
            cls: {
                "queries": len(c["total"]),
                **{
                    part: _percentiles(c[part])
                    for part in ("total", "embed", "dense", "bm25", "rest")
                },
                "recall10": (sum(c["recall"]) / len(c["recall"])) if c["recall"] else None,
            }
            for cls, c in stats.items()
        },
        "real_recall10": real_recall,
        "update": update,
        "rss_query_mb": rss_query,
        "rss_mb": _rss_mb(),
    }


def _bench_update(ws, store, index, retriever, corpus, total, use_chroma, queries) -> dict:
    """A feed poll's worth of new passages (BENCH_SEARCH_UPDATE, 500) after the build: how
    long the index takes to answer for them (a delta segment beside the full build, see
    `assistant/index/delta.py`, against the full build's time above), whether a search finds
    them, and search latency with the segment in place.

    With Chroma filled this is `sync()` itself; above BENCH_SEARCH_CHROMA_MAX Chroma is empty,
    so the bench extends the index as `sync()` does but hands it the new vectors directly."""
    from assistant.index.vector_store import where_for
    from assistant.models import SearchFilters
    from bench.search_corpus import SearchCorpus

    n_new = _env_int("BENCH_SEARCH_UPDATE", 500)
    if n_new <= 0:
        return {}
    extra = SearchCorpus(corpus.real, corpus.real_vectors, total + n_new)
    batch, vecs = next(extra.batches(size=n_new, seed=29, first=total))
    passages = [p for _, ps in batch for p in ps]
    vector_of = {p.id: v for p, v in zip(passages, vecs, strict=True)}
    t0 = time.perf_counter()
    with store.transaction():
        for doc, ps in batch:
            store.add_document(doc, ps)
    if use_chroma:
        index.vectors.upsert(passages, vecs)
    with store.transaction():
        store.mark_embedded(vector_of)
    t_store = time.perf_counter() - t0
    t0 = time.perf_counter()
    if use_chroma:
        index.sync()
        extended = index.lexical().delta is not None
    else:
        base = index.lexical()
        generation = store.generation()
        changes = store.passage_changes(base.seq) if base.seq is not None else None
        grown = None
        if changes is not None:
            grown = base.with_changes(
                changes[0],
                store.get_passages,
                lambda ids: {i: vector_of[i] for i in ids if i in vector_of},
                generation,
                changes[1],
            )
        extended = grown is not None
        if grown is not None:
            grown.save_delta(ws.lexical_dir)
    t_update = time.perf_counter() - t0
    lex = index.lexical()  # another process would load this from disk
    # The copies share their text with ~n/9,422 others, so a new passage is looked for under
    # its own outlet and minute: that also checks filters on the segment's rows.
    found = 0
    for p in passages[:20]:
        assert p.published_at is not None
        only = SearchFilters(
            outlets=(p.outlet,),
            since=p.published_at - timedelta(minutes=1),
            until=p.published_at + timedelta(minutes=1),
        )
        hits = retriever.search(p.text, only, 12)
        found += any(h.passage.id == p.id for h in hits)
    latency: list[float] = []
    for q, f, _ in queries:
        t0 = time.perf_counter()
        retriever.search(q, f, 12)
        latency.append(time.perf_counter() - t0)
    everything = SearchFilters()
    # A new passage's own vector (the copies carry noise, so its text's embedding may sit
    # nearer the real passage it copies) must find it first.
    dense, _ = index.dense_search(vecs[0], 5, where_for(everything), everything)
    return {
        "added": n_new,
        "store_s": t_store,
        "update_s": t_update,
        "delta": extended,
        "delta_rows": len(lex.delta) if lex.delta is not None else 0,
        "found_of_20": found,
        "dense_top_is_new": bool(dense) and dense[0].id == passages[0].id,
        "search_after": _percentiles(latency),
    }


def _real_cluster_recall(corpus, index, queries) -> dict[str, float]:
    """recall@10 of `VectorClusters` built over the real passages alone (no copies, which sit
    near their source and so cluster more easily than a real archive), unfiltered, probing the
    same share of clusters as the defaults do at a million passages (48 of 1000)."""
    import numpy as np

    from assistant.index import clusters as ivf

    real = corpus.real_vectors
    built = ivf.VectorClusters.build(real)
    probes = max(1, round(len(built.centroids) * ivf.PROBES / 1000))
    recalls = []
    for q, _, _ in queries:
        qvec = index.embed_query(q)
        sims = ivf.similarities(real, 0, len(real), qvec)
        exact = set(np.argsort(-sims)[:10].tolist())
        rows, _ = built.search(qvec, 10, None, probes)
        recalls.append(len(exact & set(rows)) / 10)
    return {"recall10": sum(recalls) / len(recalls), "probes": probes, "of": len(built.centroids)}


class _ChromaServer:
    """A real `chroma run` on 127.0.0.1 (a free port) over `path`, for the server path."""

    def __init__(self, path: Path) -> None:
        import socket
        import subprocess
        import sys
        import urllib.request

        exe = Path(sys.executable).parent / "chroma"
        exe_path = str(exe) if exe.exists() else shutil.which("chroma")
        if exe_path is None:
            raise RuntimeError("the `chroma` executable is not installed beside this Python")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        path.parent.mkdir(parents=True, exist_ok=True)
        self._log = (path.parent / f"chroma-{port}.log").open("wb")
        self._proc = subprocess.Popen(
            [exe_path, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"chroma run exited with {self._proc.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"chroma server on {self.url} did not answer in 60 s")
            time.sleep(0.2)

    def stop(self) -> None:
        import subprocess

        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._log.close()


# --- 6: near-duplicate lookup at archive scale -------------------------------------------------
def bench_dedup(docs: list, lookups: int = 300) -> dict:
    """One near-duplicate lookup (the check every ingested document gets) against the 50k
    stage's documents: the full vectorised scan against the LSH-banded candidates that
    `NearDuplicates` switches to past `exact_below` documents, on the same signatures, with
    their answers compared."""
    from assistant.ingest.dedup import NearDuplicates, minhash

    sigs = [(doc.id, minhash(doc.text)) for doc, _, _ in docs]
    full = NearDuplicates(0.45, exact_below=10**9)
    banded = NearDuplicates(0.45, exact_below=0)
    for doc_id, sig in sigs:
        full.add(doc_id, doc_id, sig)
        banded.add(doc_id, doc_id, sig)
    probes = [sig for _, sig in sigs[:: max(1, len(sigs) // lookups)]][:lookups]
    out: dict = {"documents": len(sigs), "lookups": len(probes)}
    answers = {}
    for name, index in (("full", full), ("banded", banded)):
        t0 = time.perf_counter()
        answers[name] = [index.best_match(sig) for sig in probes]
        out[f"{name}_ms"] = (time.perf_counter() - t0) / len(probes) * 1000
    out["same"] = sum(
        (a[0] if a else None) == (b[0] if b else None)
        for a, b in zip(answers["full"], answers["banded"], strict=True)
    )
    return out


def _search_rows(search: dict, label: str) -> list[tuple[str, str, str, str]]:
    """Table rows of one search stage: end to end per query class, then its stages."""
    rows = []
    for cls in ("unfiltered", "time", "outlet"):
        c = search["classes"].get(cls)
        if c is None:
            continue
        recall = "" if c["recall10"] is None else f"; dense recall@10 {c['recall10']:.3f}"
        rows.append(
            (
                f"4 search {label}, {search['passages']:,} passages, {cls} ({c['queries']})",
                f"p50 {c['total']['p50']:.1f} ms, p95 {c['total']['p95']:.1f} ms",
                f"dense p50 {c['dense']['p50']:.1f} ms / p95 {c['dense']['p95']:.1f}, BM25 p50 "
                f"{c['bm25']['p50']:.1f} ms / p95 {c['bm25']['p95']:.1f}, query embedding p50 "
                f"{c['embed']['p50']:.1f} ms, the rest (fusion, store, lineage, MMR) p50 "
                f"{c['rest']['p50']:.1f} ms{recall}",
                "p50 < 50 ms, p95 < 150 ms",
            )
        )
    update = search.get("update") or {}
    if update:
        after = update["search_after"]
        rows.append(
            (
                f"4 update {label}: {update['added']} new passages after the build",
                f"{update['update_s']:.2f} s to answer for them "
                f"({'delta segment' if update['delta'] else 'full build'}) vs "
                f"{search['index_s']:.1f} s for the full build",
                f"found by search {update['found_of_20']}/20, dense top-1 new "
                f"{update['dense_top_is_new']}; search with the segment p50 "
                f"{after['p50']:.1f} ms, p95 {after['p95']:.1f} ms; store writes "
                f"{update['store_s']:.2f} s",
                "report",
            )
        )
    rows.append(
        (
            f"5 RSS, {label} {search['passages']:,}-passage stage",
            f"{search['rss_query_mb']:.0f} MB while querying",
            f"peak {search['rss_mb']:.0f} MB (process, including building the corpus)",
            "report",
        )
    )
    return rows


def _search_notes(search: dict, label: str) -> str:
    build = (
        f"{label}: {search['corpus']}; built in {search['real_s']:.1f} s (real passages; "
        f"{search['embed_real_s']:.1f} s of it embedding, 0 when cached) + "
        f"{search['store_s']:.1f} s (store) + {search['vectors_s']:.1f} s (vectors to "
        f"Chroma: {search['chroma']}) + {search['index_s']:.1f} s (BM25 and the vector copy"
    )
    if search["bm25_s"] is not None:
        build += f": BM25 {search['bm25_s']:.1f} s, clusters {search['clusters_s']:.1f} s"
    real = search["real_recall10"]
    return build + (
        f"); {search['clusters']} clusters. Clusters over the {search['corpus'].split(' real')[0]}"
        f" real passages alone, {real['probes']} of {real['of']} probed (the share the defaults "
        f"probe at 1M): unfiltered recall@10 {real['recall10']:.3f}"
    )


def run() -> None:
    from assistant.config import Settings
    from assistant.index.embedder import resolve_model_path

    if not DATA.is_file():
        raise FileNotFoundError(
            f"{DATA} is missing; the benchmarks read ../shared/data beside the checkout"
        )
    stages = set(os.environ.get("BENCH_RETRIEVAL_STAGES", "ingest,search,langchain").split(","))
    every = _stories(10**6)
    stories = every[: _env_int("BENCH_STORIES", 120)]
    warm_stories = every[-10:]  # the warm-up reads other articles than the ones measured
    if len(every) < len(stories) + len(warm_stories):
        raise ValueError(f"BENCH_STORIES leaves no stories of {len(every)} for the warm-up")
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="desk-bench-retrieval-"))
    ing = lc = search = served = None
    repeats = _env_int("BENCH_INGEST_REPEATS", 3)
    try:
        corpus = work / "corpus"
        files = write_markdown_corpus(stories, corpus)
        print(f"corpus: {files} Markdown articles from {len(stories)} allsides stories", flush=True)
        write_markdown_corpus(warm_stories, work / "warmup")
        if "ingest" in stages:
            ing = bench_ingest(corpus, work / "warmup", work, repeats)
            print(f"ingest done: {ing}", flush=True)
        if "search" in stages:
            search = bench_search(
                work, _env_int("BENCH_SEARCH_PASSAGES", 50_000), _env_int("BENCH_QUERIES", 201)
            )
            print(f"search done: {search}", flush=True)
        if os.environ.get("BENCH_SEARCH_SERVER") == "1":
            served = bench_search(
                work,
                _env_int("BENCH_SEARCH_SERVER_PASSAGES", 50_000),
                _env_int("BENCH_QUERIES", 201),
                server=True,
            )
            print(f"server search done: {served}", flush=True)
        if "langchain" in stages:
            settings = Settings()
            lc = bench_langchain(
                corpus,
                work / "warmup",
                work,
                resolve_model_path(settings.embedding_model),
                settings.chunk_max_chars,
                repeats,
            )
            print(f"langchain done: {lc}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    rows = []
    if ing is not None:
        overhead = ing["first_s"] / ing["raw_encode_s"] - 1
        rows.append(
            (
                f"1 ingest vs raw encode() (best of {len(ing['ingest_runs_s'])} each)",
                f"{ing['passages'] / ing['first_s']:.1f} passages/s vs "
                f"{ing['passages'] / ing['raw_encode_s']:.1f} passages/s",
                f"overhead {overhead:+.0%}",
                "≤ +15%",
            )
        )
    if ing is not None and lc is not None:
        rows.append(
            (
                f"2 files → searchable index vs LangChain stock (best of {repeats} each)",
                f"{ing['first_s']:.1f} s vs {lc['s']:.1f} s",
                f"{lc['s'] / ing['first_s']:.2f}× faster; embedding {ing['embed_s']:.1f} s of "
                f"{ing['chars']:,} chars in {ing['passages']} passages vs {lc['embed_s']:.1f} s "
                f"of {lc['chars']:,} chars in {lc['chunks']} chunks",
                "faster",
            )
        )
    if ing is not None:
        rows.append(
            (
                "3 re-ingest unchanged vs first ingest",
                f"{ing['reingest_s']:.2f} s vs {ing['first_s']:.1f} s",
                f"{ing['first_s'] / ing['reingest_s']:.0f}× faster "
                f"({ing['reingest_embedded']} embedded)",
                "≥ 20×",
            )
        )
    if search is not None:
        rows += _search_rows(search, "embedded")
    if served is not None:
        rows += _search_rows(served, "Chroma server")
    if ing is not None:
        rows.append(("5 peak RSS", f"{ing['rss_mb']:.0f} MB after ingest stages", "", "report"))
    if "search" in stages:
        dedup = bench_dedup(build_search_corpus(stories, 50_000))
        rows.append(
            (
                f"6 near-duplicate lookup, {dedup['documents']:,} documents",
                f"banded {dedup['banded_ms']:.2f} ms vs full scan {dedup['full_ms']:.2f} ms",
                f"{dedup['full_ms'] / dedup['banded_ms']:.0f}× faster; same answer for "
                f"{dedup['same']} of {dedup['lookups']}",
                "report",
            )
        )
    print("\n| measurement | ours vs baseline | ratio | target |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        f"\nmachine: {os.cpu_count()} cores, load average {load_before:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end (other work on the machine slows both sides of "
        "each ratio)"
    )
    if ing is not None and lc is not None:
        print(
            "ingest runs: "
            + ", ".join(f"{t:.1f} s" for t in ing["ingest_runs_s"])
            + "; raw encode() runs: "
            + ", ".join(f"{t:.1f} s" for t in ing["raw_runs_s"])
            + f"; model inside our ingest {ing['embed_s']:.1f} s (all threads); LangChain runs: "
            + ", ".join(f"{t:.1f} s" for t in lc["runs_s"])
        )
    if ing is not None:
        print(
            f"startup, not in the ratios: model load {ing['model_load_s']:.1f} s; first ingest "
            f"in the process (imports chromadb and bm25s, loads the language model, opens "
            f"Chroma) {ing['startup_s']:.1f} s for {ing['warmup_passages']} warm-up passages"
        )
    if search is not None:
        print(_search_notes(search, "embedded"))
    if served is not None:
        print(_search_notes(served, "Chroma server"))
