"""Real documents for the index and retriever tests, built from ../shared/data without the ingest
pipeline: allsides articles (one document per outlet's coverage, dated by the story) and a few
Russian Telegram posts, chunked into sentence-aware passages with exact offsets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from assistant.models import Document, Passage, SourceLocation, sha256_hex
from assistant.text import sentence_spans

STANCE_HOURS = {"left": 0, "center": 1, "right": 2}


def chunk(doc: Document, max_chars: int = 260) -> list[Passage]:
    """Pack whole sentences into passages of at most `max_chars` (a long sentence stands alone)."""
    out: list[Passage] = []
    spans = sentence_spans(doc.text)
    i = 0
    while i < len(spans):
        start, end = spans[i]
        j = i + 1
        while j < len(spans) and spans[j][1] - start <= max_chars:
            end = spans[j][1]
            j += 1
        text = doc.text[start:end]
        out.append(
            Passage(
                id=f"{doc.id}:{start}-{end}",
                doc_id=doc.id,
                lineage_id=doc.lineage_id or doc.id,
                text=text,
                start=start,
                end=end,
                content_hash=sha256_hex(text),
                outlet=doc.outlet,
                kind=doc.kind,
                title=doc.title,
                url=doc.url,
                published_at=doc.published_at,
                language=doc.language,
            )
        )
        i = j
    return out


def make_document(
    text: str,
    *,
    outlet: str,
    title: str | None,
    url: str | None,
    published_at: datetime | None,
    location: SourceLocation,
    kind: str = "outlet",
    language: str | None = "en",
    lineage_id: str | None = None,
) -> Document:
    digest = sha256_hex(text)
    doc_id = f"doc_{digest[:16]}"
    return Document(
        id=doc_id,
        kind=kind,  # type: ignore[arg-type]
        format="jsonl",
        outlet=outlet,
        title=title,
        text=text,
        url=url,
        published_at=published_at,
        language=language,
        content_hash=digest,
        location=location,
        lineage_id=lineage_id or doc_id,
    )


def allsides_documents(data_dir: Path, stories: int = 8) -> list[Document]:
    """One document per outlet article of the first `stories` stories; time = story time + stance
    offset, in UTC."""
    path = data_dir / "allsides" / "allsides_dev.jsonl"
    docs: list[Document] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= stories:
                break
            story = json.loads(line)
            when = datetime.fromisoformat(story["date"]).astimezone(UTC)
            for stance, art in story["news"].items():
                text = "\n\n".join(p.strip() for p in art["newBody"] if p.strip())
                docs.append(
                    make_document(
                        text,
                        outlet=art["newsSource"],
                        title=art["newsTitle"],
                        url=art["newsLink"],
                        published_at=when + timedelta(hours=STANCE_HOURS.get(stance, 3)),
                        location=SourceLocation(path=str(path), item=f"{story['id']}:{stance}"),
                    )
                )
    return docs


def telegram_documents(data_dir: Path, n: int = 3) -> list[Document]:
    path = data_dir / "telegram" / "1001000724666_messages.json"
    posts = [
        p for p in json.loads(path.read_text(encoding="utf-8")) if len(p.get("text") or "") > 80
    ][:n]
    return [
        make_document(
            p["text"],
            outlet=p["channel"],
            title=None,
            kind="telegram",
            language="ru",
            url=f"https://t.me/naked_science/{p['message_id']}",
            published_at=datetime.fromisoformat(p["date"]).astimezone(UTC),
            location=SourceLocation(path=str(path), item=str(p["message_id"])),
        )
        for p in posts
    ]


def add_all(store, docs: list[Document], max_chars: int = 260) -> dict[str, list[Passage]]:
    out = {}
    with store.transaction():
        for doc in docs:
            out[doc.id] = chunk(doc, max_chars)
            store.add_document(doc, out[doc.id])
    return out


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ChromaServer:
    """A real `chroma run` on 127.0.0.1 (a free port), stopped by `stop()`."""

    def __init__(self, path: Path) -> None:
        import shutil
        import subprocess
        import sys
        import time
        import urllib.request

        exe = Path(sys.executable).parent / "chroma"
        exe_path = str(exe) if exe.exists() else shutil.which("chroma")
        if exe_path is None:
            raise RuntimeError("the `chroma` executable is not installed beside this Python")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = (path.parent / f"chroma-{self.port}.log").open("wb")
        self._proc = subprocess.Popen(
            [exe_path, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(
                    f"chroma run exited with {self._proc.returncode}; see {self._log.name}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"chroma server on {self.url} did not answer its heartbeat in 60 s"
                )
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
