"""The long work the drafting screen runs in thread workers: each function calls the service
and reports back only through messages (`post_message` is thread-safe). None touches a widget.

Every job ends with `WorkFinished`; a failure becomes `WorkFailed` with a one-line cause.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from textual.message_pump import MessagePump

from assistant.draft_edits import carry_locked
from assistant.models import Draft, Hit, SearchFilters
from assistant.service import DeskService
from assistant.sessions import Session
from assistant.tui.errors import describe_error
from assistant.tui.messages import (
    DraftUpdated,
    Exported,
    PassagesRetrieved,
    ServiceWarmed,
    StalenessChecked,
    TokenStreamed,
    WorkFailed,
    WorkFinished,
)
from assistant.tui.progress_bridge import ProgressBridge


def guarded(job: str, target: MessagePump, fn: Callable[[], None]) -> None:
    """Run `fn`; whatever happens, the UI hears how it ended."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001 - shown to the editor as a notification
        # Described once: for a bug, describing writes the traceback's log file.
        text = describe_error(exc)
        target.post_message(WorkFailed(job, text, "warning" if "cancelled" in text else "error"))
    finally:
        target.post_message(WorkFinished(job))


def _tokens(target: MessagePump) -> Callable[[str, str], None]:
    def on_token(section_id: str, token: str) -> None:
        target.post_message(TokenStreamed(section_id, token))

    return on_token


def retrieve(
    service: DeskService, target: MessagePump, topic: str, filters: SearchFilters, pinned: list[str]
) -> None:
    hits = service.search(topic, filters) if topic else []
    # Pinned passages are always offered to the generator, so always listed, first.
    have = {h.passage.id for h in hits}
    missing = [pid for pid in pinned if pid not in have]
    if missing:
        found = service.store.get_passages(missing)
        sizes = service.store.lineage_sizes()
        hits = [
            Hit(passage=p, score=0.0, rank=0, lineage_size=sizes.get(p.lineage_id, 1))
            for pid in missing
            if (p := found.get(pid)) is not None
        ] + hits
    target.post_message(PassagesRetrieved(topic, hits))


def draft_all(
    service: DeskService, target: MessagePump, session: Session, cancel: threading.Event
) -> None:
    if not session.topic.strip():
        raise ValueError("type a topic first")
    old = session.draft
    draft = service.draft(
        session.topic,
        session.search_filters(),
        session.generator,
        pinned=session.pinned,
        on_token=_tokens(target),
        progress=ProgressBridge(target),
        cancel=cancel,
        model=session.model,
    )
    if old is not None and any(p.locked for s in old.sections for p in s.paragraphs):
        draft = service.verify(carry_locked(old, draft))
    target.post_message(DraftUpdated(draft, "drafted", generation=service.store.generation()))


def draft_section(
    service: DeskService,
    target: MessagePump,
    session: Session,
    section_id: str,
    cancel: threading.Event,
) -> None:
    assert session.draft is not None
    draft = service.draft_section(
        session.draft,
        section_id,
        generator=session.generator,
        pinned=session.pinned,
        on_token=_tokens(target),
        cancel=cancel,
        model=session.model,
    )
    target.post_message(DraftUpdated(draft, f"redrafted {section_id}"))


def regenerate_paragraph(
    service: DeskService,
    target: MessagePump,
    session: Session,
    section_id: str,
    paragraph_id: str,
    cancel: threading.Event,
) -> None:
    assert session.draft is not None
    draft = service.regenerate_paragraph(
        session.draft,
        section_id,
        paragraph_id,
        generator=session.generator,
        pinned=session.pinned,
        on_token=_tokens(target),
        cancel=cancel,
        model=session.model,
    )
    target.post_message(DraftUpdated(draft, f"redrafted {section_id} {paragraph_id}"))


def verify_edit(
    service: DeskService,
    target: MessagePump,
    draft: Draft,
    key: str,
    text: str,
    is_current: Callable[[], bool],
) -> None:
    """Re-verify an edited paragraph. The latest keystroke wins: a run already superseded never
    starts, a running one stops at its next sentence, and a late result is dropped."""
    from assistant.verify.verifier import VerificationSuperseded

    if not is_current():
        return
    section_id, paragraph_id = key.split("/")
    try:
        updated = service.edit_paragraph(
            draft, section_id, paragraph_id, text, cancelled=lambda: not is_current()
        )
    except VerificationSuperseded:
        return
    except Exception as exc:  # noqa: BLE001
        target.post_message(WorkFailed("verify", describe_error(exc)))
        return
    if is_current():
        target.post_message(DraftUpdated(updated, "edited", edit_key=key))


def reverify(service: DeskService, target: MessagePump, draft: Draft) -> None:
    updated = service.reverify(draft)
    target.post_message(DraftUpdated(updated, "re-verified", generation=service.store.generation()))


def check_stale(service: DeskService, target: MessagePump, session: Session) -> None:
    target.post_message(StalenessChecked(service.staleness(session)))


def export(service: DeskService, target: MessagePump, draft: Draft, fmt: str, name: str) -> None:
    path: Path = service.export(draft, fmt, name)
    target.post_message(Exported(str(path), fmt))


def warm_up(service: DeskService, target: MessagePump) -> None:
    try:
        service.warm_up()
    except Exception as exc:  # noqa: BLE001 - the first real use will report it properly
        target.post_message(ServiceWarmed(describe_error(exc)))
        return
    target.post_message(ServiceWarmed())
    if service.verifier.fallback:
        # The stated fallback: the editor must know which verifier marks the sentences.
        target.post_message(
            WorkFailed(
                "verifier",
                f"{service.verifier.fallback}; sentences are checked by the lexical verifier",
                severity="warning",
            )
        )
