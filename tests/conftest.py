"""Shared fixtures: paths to the real data beside the checkout, fresh workspaces, and one
session-wide workspace holding the ingested demo corpus (embedded with the real model)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# The developer's own workspace and settings must never leak into tests.
for _key in [k for k in os.environ if k.startswith("DESK_")]:
    del os.environ[_key]

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "data"
CORPUS = REPO / "corpus"


def shared_data() -> Path:
    """The real data folder; CI always has it, so there a missing folder is a failure."""
    if not SHARED_DATA.is_dir():
        if os.environ.get("CI"):
            pytest.fail(
                f"{SHARED_DATA} is missing; CI must have ../shared/data beside the checkout"
            )
        pytest.skip("../shared/data is not beside this checkout (running outside the workplace)")
    return SHARED_DATA


@pytest.fixture
def data_dir() -> Path:
    return shared_data()


@pytest.fixture
def workspace(tmp_path: Path):
    from assistant.workspace import Workspace

    return Workspace.init(tmp_path / "ws")


@pytest.fixture
def service(workspace):
    from assistant.service import DeskService

    svc = DeskService(workspace)
    yield svc
    svc.close()


@pytest.fixture(scope="session")
def demo_service(tmp_path_factory):
    """A workspace with `corpus/` ingested once per test session (real model, embedded Chroma)."""
    from assistant.service import DeskService
    from assistant.workspace import Workspace

    ws = Workspace.init(tmp_path_factory.mktemp("demo") / "ws")
    svc = DeskService(ws)
    report = svc.ingest([CORPUS])
    assert not report.failed, report.failed
    yield svc
    svc.close()
