"""`BatchOutputs`: the files a batch run writes, atomically, and the per-story done markers.

Layout under the output directory:

    run.json                      the run report (window, stories, metrics, timings, failures)
    digest.md|html|json           the day digest
    stories/<story-id>.md|html|json
    stories/<story-id>.done       written last: the story's outputs are complete

Every file is written with `assistant.files.atomic_write` (a temporary name beside it, renamed
into place), so a run killed at any moment leaves either the old file or the new one, never
half of one. The done marker
records a fingerprint of what produced the story (members, generator, settings) and the
sha256 of each output, so a resumed run skips a story only when its outputs are complete,
intact and were made the same way. Paths are built with the renderer's `safe_output_path`,
so no name can escape the output directory.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from assistant.files import atomic_write

FORMATS = ("md", "html", "json")


def _safe_path(base: Path, name: str) -> Path:
    from assistant.render.renderer import safe_output_path

    return safe_output_path(base, name)


def dumps(value: Any) -> bytes:
    """Stable JSON: sorted keys, fixed indentation, trailing newline."""
    return (
        json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n"
    ).encode("utf-8")


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class BatchOutputs:
    """Where a run's files go, and whether a story's outputs are already complete."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.stories_dir = self.root / "stories"

    def prepare(self) -> None:
        self.stories_dir.mkdir(parents=True, exist_ok=True)

    def story_path(self, story_id: str, fmt: str) -> Path:
        return _safe_path(self.stories_dir, f"{story_id}.{fmt}")

    def marker_path(self, story_id: str) -> Path:
        return _safe_path(self.stories_dir, f"{story_id}.done")

    def digest_path(self, fmt: str) -> Path:
        return _safe_path(self.root, f"digest.{fmt}")

    @property
    def run_path(self) -> Path:
        return _safe_path(self.root, "run.json")

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def write_story(
        self, story_id: str, rendered: dict[str, str], fingerprint: str
    ) -> dict[str, str]:
        """Write the story's files, then its done marker (last). Returns {fmt: relative path}."""
        hashes: dict[str, str] = {}
        paths: dict[str, str] = {}
        for fmt in FORMATS:
            data = rendered[fmt].encode("utf-8")
            path = self.story_path(story_id, fmt)
            atomic_write(path, data)
            hashes[fmt] = hashlib.sha256(data).hexdigest()
            paths[fmt] = self.relative(path)
        atomic_write(
            self.marker_path(story_id), dumps({"fingerprint": fingerprint, "sha256": hashes})
        )
        return paths

    def story_done(self, story_id: str, fingerprint: str) -> bool:
        """True when the marker exists, matches `fingerprint`, and every file matches its hash."""
        try:
            marker = json.loads(self.marker_path(story_id).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        if marker.get("fingerprint") != fingerprint:
            return False
        hashes = marker.get("sha256") or {}
        return all(
            sha256_file(self.story_path(story_id, fmt)) == hashes.get(fmt) for fmt in FORMATS
        )

    def story_paths(self, story_id: str) -> dict[str, str]:
        return {fmt: self.relative(self.story_path(story_id, fmt)) for fmt in FORMATS}

    def write_digest(self, rendered: dict[str, str]) -> dict[str, str]:
        paths = {}
        for fmt in FORMATS:
            path = self.digest_path(fmt)
            atomic_write(path, rendered[fmt].encode("utf-8"))
            paths[fmt] = self.relative(path)
        return paths
