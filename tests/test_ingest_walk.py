"""The folder walk reads only what the editor meant: regular files inside the named folders.

Named pipes and devices met in a walk are listed and never opened; symlinks that lead out of the
named folders are refused unless `--follow-symlinks`; an unreadable subfolder is a failure; odd
file names (not UTF-8, newlines, bidi overrides) never crash a run and are printed escaped.

A regression here hangs (a FIFO blocks `open`) or eats memory (`/dev/zero`), so each ingest runs
in a subprocess with a timeout and a memory cap: a regression fails instead of stalling the run.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS, REPO

from assistant.ingest.walk import printable

ARTICLE = CORPUS / "articles" / "2025-08-17-anchorage-package.md"
SECRET = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"

# Runs one `Ingestor.run` with a stand-in index (no model) and prints what the editor would see.
_INGEST = """
import json, sys
from pathlib import Path
from assistant.ingest.pipeline import Ingestor
from assistant.store import Store
from assistant.workspace import Workspace

class NoIndex:
    def delete(self, ids): pass
    def sync(self, progress=None, cancel=None): return 0

args = json.loads(sys.argv[1])
ws = Workspace.open(Path(args["ws"]))
store = Store(ws.db_path)
kwargs = {"follow_symlinks": True} if args["follow"] else {}
report = Ingestor(ws, store, NoIndex()).run([Path(p) for p in args["paths"]], **kwargs)
print(json.dumps({
    "skipped": report.skipped,
    "failed": report.failed,
    "new": report.new,
    "texts": [d.text for d in store.documents()],
    "paths": [d.location.path for d in store.documents()],
}))
"""


def drop_file_permission_override() -> None:
    """Make root subject to file modes, as any editor is (chmod 000 does not stop root).

    Clears CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from this process's capabilities (prctl,
    capget/capset), so a folder of mode 000 is really unreadable to it and its children."""
    import ctypes

    if os.geteuid() != 0:
        return  # an ordinary user is subject to file modes already

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(f, ctypes.c_uint32) for f in ("effective", "permitted", "inheritable")]

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        # Out of the bounding set too, or root gets them back when it runs the interpreter.
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
    header, data = Header(0x20080522, 0), (Data * 2)()  # _LINUX_CAPABILITY_VERSION_3
    if libc.capget(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capget")
    keep = ~((1 << 1) | (1 << 2)) & 0xFFFFFFFF  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
    data[0].effective &= keep
    data[0].permitted &= keep
    if libc.capset(ctypes.byref(header), data) != 0:
        raise OSError(ctypes.get_errno(), "capset")


def _limits(as_editor: bool):
    def apply() -> None:
        # A read of /dev/zero grows without end: cap it so a regression fails, not the machine.
        resource.setrlimit(resource.RLIMIT_AS, (3 * 1024**3, 3 * 1024**3))
        if as_editor:
            drop_file_permission_override()

    return apply


def ingest(ws: Path, *paths: Path, follow: bool = False, as_editor: bool = False) -> dict:
    args = {"ws": str(ws), "paths": [str(p) for p in paths], "follow": follow}
    proc = subprocess.run(
        [sys.executable, "-c", _INGEST, json.dumps(args)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limits(as_editor),
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def reasons(entries) -> dict[str, str]:
    return {Path(p).name: r for p, r in entries}


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    shutil.copy(ARTICLE, d / "good.md")
    return d


# --- pipes and devices -------------------------------------------------------------------------
def test_a_fifo_in_a_folder_is_listed_and_never_opened(workspace, folder):
    os.mkfifo(folder / "f.txt")
    out = ingest(workspace.root, folder)
    assert reasons(out["skipped"]) == {"f.txt": "a named pipe, not a regular file; not read"}
    assert out["failed"] == [] and out["new"] == 1


@pytest.mark.parametrize(
    ("follow", "reason"),
    [
        (
            False,
            "symlink to /dev/zero, outside the folders named; not read (--follow-symlinks reads it)",
        ),
        # Even when links out are allowed, a device is not a file to read.
        (True, "a character device, not a regular file; not read"),
    ],
)
def test_a_symlink_to_dev_zero_is_listed_and_never_read(workspace, folder, follow, reason):
    (folder / "zero.txt").symlink_to("/dev/zero")
    out = ingest(workspace.root, folder, follow=follow)
    assert reasons(out["skipped"]) == {"zero.txt": reason}
    assert out["failed"] == [] and out["new"] == 1


def test_a_fifo_named_on_the_command_line_fails_with_its_kind(workspace, tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    out = ingest(workspace.root, tmp_path / "pipe.txt")
    assert out["failed"] == [
        [str(tmp_path / "pipe.txt"), "not a regular file or folder (a named pipe)"]
    ]


# --- symlinks ---------------------------------------------------------------------------------
@pytest.fixture
def outside(tmp_path):
    d = tmp_path / "elsewhere"
    d.mkdir()
    (d / "passwd").write_text(SECRET, encoding="utf-8")
    (d / "sub").mkdir()
    (d / "sub" / "notes.txt").write_text(
        "Private notes: the source asked not to be named before Friday.\n", encoding="utf-8"
    )
    return d


def test_symlinks_out_of_the_named_folder_are_refused_and_listed(workspace, folder, outside):
    (folder / "x.txt").symlink_to(outside / "passwd")
    (folder / "linked-dir").symlink_to(outside / "sub")
    (folder / "inner").mkdir()
    (folder / "inner" / "same.md").symlink_to(folder / "good.md")  # stays inside: fine
    out = ingest(workspace.root, folder)
    assert reasons(out["skipped"]) == {
        "x.txt": f"symlink to {outside / 'passwd'}, outside the folders named; "
        "not read (--follow-symlinks reads it)",
        "linked-dir": f"symlink to {outside / 'sub'}, outside the folders named; "
        "not read (--follow-symlinks reads it)",
    }
    assert out["failed"] == []
    assert not any("root:x:0" in t for t in out["texts"])
    assert out["paths"] == [str(folder / "good.md")]  # the inner link is the same file, once


def test_follow_symlinks_reads_links_out_of_the_folder(workspace, folder, outside):
    (folder / "x.txt").symlink_to(outside / "passwd")
    (folder / "linked-dir").symlink_to(outside / "sub")
    (folder / "loop").symlink_to(folder)  # a link back up must not walk forever
    out = ingest(workspace.root, folder, follow=True)
    assert out["skipped"] == [] and out["failed"] == []
    assert sorted(Path(p).name for p in out["paths"]) == ["good.md", "notes.txt", "passwd"]


def test_a_named_symlink_must_point_into_its_own_folder(workspace, folder, outside):
    # What `desk ingest in/*` expands to is refused as the folder walk would refuse it.
    (folder / "x.txt").symlink_to(outside / "passwd")
    (folder / "sibling.md").symlink_to("good.md")
    out = ingest(workspace.root, folder / "x.txt", folder / "sibling.md")
    assert out["failed"] == [
        [
            str(folder / "x.txt"),
            f"symlink to {outside / 'passwd'}, outside {folder}; "
            "not read (--follow-symlinks reads it)",
        ]
    ]
    assert out["paths"] == [str(folder / "good.md")]


def test_a_symlink_into_another_named_folder_is_inside(workspace, folder, outside):
    (folder / "x.txt").symlink_to(outside / "passwd")
    out = ingest(workspace.root, folder, outside / "sub")
    assert "x.txt" in reasons(out["skipped"])  # elsewhere/ itself was not named
    (folder / "y.txt").symlink_to(outside / "sub" / "notes.txt")
    out = ingest(workspace.root, folder, outside / "sub")
    assert "y.txt" not in reasons(out["skipped"])


def test_a_broken_symlink_is_listed(workspace, folder, tmp_path):
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    out = ingest(workspace.root, folder)
    assert reasons(out["skipped"]) == {
        "gone.txt": f"symlink to {tmp_path / 'nowhere.txt'}, which cannot be followed "
        "(missing or a loop)"
    }


# --- unreadable folders and odd names ----------------------------------------------------------
def test_an_unreadable_subfolder_fails_with_its_reason(workspace, folder):
    # Root ignores chmod 000: the ingest runs without the capability that lets it, so the
    # folder is as unreadable to it as to any editor.
    (folder / "locked").mkdir()
    (folder / "locked" / "secret.md").write_text("# Embargoed\n\nNot yet.\n", encoding="utf-8")
    (folder / "locked").chmod(0o000)
    try:
        out = ingest(workspace.root, folder, as_editor=True)
    finally:
        (folder / "locked").chmod(0o755)
    assert out["failed"] == [[str(folder / "locked"), "cannot read folder: Permission denied"]]
    assert out["new"] == 1


def test_a_file_name_that_is_not_utf8_is_refused_by_a_printable_name(workspace, folder):
    bad = os.fsencode(folder) + b"/caf\xe9.txt"
    with open(bad, "wb") as fh:
        fh.write(b"Le caf\xc3\xa9 est ouvert depuis ce matin sur la place.\n")
    out = ingest(workspace.root, folder)
    assert out["failed"] == [
        [f"{folder}/caf\\xe9.txt", "the name is not valid UTF-8; rename it to ingest it"]
    ]
    assert out["new"] == 1  # good.md went in all the same


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("line\nbreak.txt", "line\\nbreak.txt"),
        ("invoice\u202etxt.md", "invoice\\u202etxt.md"),
        ("zero\u200bwidth\u2066.txt", "zero\\u200bwidth\\u2066.txt"),
        ("tab\there\x1b[31m.txt", "tab\\there\\u001b[31m.txt"),
        (os.fsdecode(b"caf\xe9.txt"), "caf\\xe9.txt"),
        ("plain café.txt", "plain café.txt"),
    ],
)
def test_printable_escapes_what_a_terminal_would_act_on(name, shown):
    assert printable(name) == shown


def test_the_report_holds_printable_names_for_every_screen(workspace, folder):
    # The TUI shows the report as it is: a forged line or reversed text must not reach it.
    (folder / "two\nlines.txt").write_bytes(b"")
    (folder / "invoice\u202etxt.md").write_bytes(b"   ")
    out = ingest(workspace.root, folder)
    assert sorted(out["failed"]) == [
        [f"{folder}/invoice\\u202etxt.md", "file holds only whitespace"],
        [f"{folder}/two\\nlines.txt", "empty file"],
    ]
