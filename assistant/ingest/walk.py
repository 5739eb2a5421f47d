"""`FolderWalk`: the regular files that the paths named to `desk ingest` stand for, and every path
it passes over, each with its reason.

A walk reads only what the editor meant it to read:
- only regular files: named pipes, devices and sockets are listed and never opened (a FIFO would
  block the run while it holds the workspace lock; `/dev/zero` never ends);
- nothing outside the named folders: a symlink that resolves outside them is refused unless
  `follow_symlinks` (`desk ingest --follow-symlinks`) allows it, so `ln -s /etc/passwd in/x.txt`
  does not put the password file in the index. Symlinks that stay inside are followed, each
  folder at most once, so a link to a parent folder cannot loop;
- a path named on the command line that is itself a symlink must point into the folder it sits
  in (what `desk ingest in/*` expands to is refused as a folder walk would refuse it);
- a subfolder that cannot be read, or a name that is not valid UTF-8, is a failure the editor
  must act on, not a silent gap.

`printable` shows a path safely in a terminal or a table: control, bidi and other invisible
format characters, and the undecodable bytes of a non-UTF-8 name, as backslash escapes.
"""

from __future__ import annotations

import os
import stat
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Files a folder walk passes over: they describe a corpus, they are not sources in it.
_DOC_STEMS = {"readme", "license", "licence", "changelog", "copying", "notice", "authors"}
_SHORT_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Cc: C0/C1 controls; Cf: format characters (bidi overrides and isolates, zero-width marks);
# Cs: lone surrogates (undecodable bytes of a file name); Zl/Zp: line and paragraph separators.
_UNSAFE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_FOLLOW_HINT = "not read (--follow-symlinks reads it)"


def printable(name: object) -> str:
    """`name` with every character a terminal would act on or hide written as an escape."""
    out = []
    for ch in str(name):
        if unicodedata.category(ch) not in _UNSAFE:
            out.append(ch)
        elif ch in _SHORT_ESCAPES:
            out.append(_SHORT_ESCAPES[ch])
        elif 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte os.fsdecode could not decode
            out.append(f"\\x{ord(ch) - 0xDC00:02x}")
        else:
            out.append(f"\\u{ord(ch):04x}" if ord(ch) <= 0xFFFF else f"\\U{ord(ch):08x}")
    return "".join(out)


def is_utf8(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # surrogate escapes of bytes that are not UTF-8
        return False
    return True


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


@dataclass(frozen=True)
class Found:
    """A regular file to ingest, by its resolved path."""

    path: Path
    explicit: bool
    """Named on the command line (a problem is a failure) rather than found in a folder walk."""


class FolderWalk:
    """Walks the named paths: `files()` yields what to ingest, while `skipped` and `failed`
    collect (printable path, reason) for everything else."""

    def __init__(self, named: Iterable[Path], follow_symlinks: bool = False) -> None:
        self.named = [Path(p).expanduser() for p in named]
        self.follow_symlinks = follow_symlinks
        self.skipped: list[tuple[str, str]] = []
        """Paths a walk passes over: not sources (documentation, pipes, devices, links out)."""
        self.failed: list[tuple[str, str]] = []
        """Paths the editor must act on: missing, unreadable, or named so desk cannot store it."""
        self._roots = [p.resolve() for p in self.named if _is_dir(p)]
        self._walked: set[Path] = set()

    def files(self) -> Iterator[Found]:
        for path in self.named:
            yield from self._named(path)

    # --- a path named on the command line ------------------------------------------------------
    def _named(self, path: Path) -> Iterator[Found]:
        shown = printable(path.absolute())
        if not is_utf8(str(path)):
            self.failed.append((shown, "the name is not valid UTF-8; rename it to ingest it"))
            return
        try:
            mode = os.stat(path).st_mode
        except FileNotFoundError:
            if os.path.islink(path):
                self.failed.append((shown, f"symlink to {_target(path)}, which does not exist"))
            else:
                self.failed.append((shown, "no such file or folder"))
            return
        except OSError as exc:
            self.failed.append((shown, f"cannot read: {exc.strerror or exc}"))
            return
        real = path.resolve()
        if os.path.islink(path) and not self.follow_symlinks:
            home = path.absolute().parent.resolve()
            if not real.is_relative_to(home):
                self.failed.append(
                    (shown, f"symlink to {printable(real)}, outside {home}; " + _FOLLOW_HINT)
                )
                return
        if stat.S_ISDIR(mode):
            yield from self._walk(real)
        elif stat.S_ISREG(mode):
            yield Found(real, explicit=True)
        else:
            self.failed.append((shown, f"not a regular file or folder ({file_kind(mode)})"))

    # --- a folder ------------------------------------------------------------------------------
    def _walk(self, top: Path) -> Iterator[Found]:
        if top in self._walked:
            return
        self._walked.add(top)
        stack = [top]
        while stack:
            folder = stack.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                self.failed.append(
                    (printable(folder), f"cannot read folder: {exc.strerror or exc}")
                )
                continue
            subfolders: list[Path] = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                found = self._entry(folder, entry, subfolders)
                if found is not None:
                    yield found
            # Depth first, files before subfolders, as os.walk goes: the same order as before.
            stack.extend(reversed(subfolders))

    def _entry(self, folder: Path, entry: os.DirEntry[str], subfolders: list[Path]) -> Found | None:
        path = folder / entry.name
        shown = printable(path)
        if not is_utf8(entry.name):
            self.failed.append((shown, "the name is not valid UTF-8; rename it to ingest it"))
            return None
        link = entry.is_symlink()
        try:
            mode = os.stat(path).st_mode  # follows a symlink: the type of what it points at
        except OSError as exc:
            why = "missing or a loop" if link else (exc.strerror or str(exc))
            reason = f"symlink to {_target(path)}, which cannot be followed ({why})"
            if link:
                self.skipped.append((shown, reason))
            else:
                self.failed.append((shown, f"cannot read: {why}"))
            return None
        real = path.resolve() if link else path
        if (
            link
            and not self.follow_symlinks
            and not any(real.is_relative_to(r) for r in self._roots)
        ):
            self.skipped.append(
                (shown, f"symlink to {printable(real)}, outside the folders named; " + _FOLLOW_HINT)
            )
            return None
        if stat.S_ISDIR(mode):
            if real not in self._walked:
                self._walked.add(real)
                subfolders.append(real)
        elif not stat.S_ISREG(mode):
            self.skipped.append((shown, f"{file_kind(mode)}, not a regular file; not read"))
        elif Path(entry.name).stem.lower() in _DOC_STEMS:
            self.skipped.append((printable(real), "documentation file, not a source"))
        else:
            return Found(real, explicit=False)
        return None


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _target(link: Path) -> str:
    try:
        return printable(os.readlink(link))
    except OSError:
        return "?"
