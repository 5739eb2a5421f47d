"""`DraftingScreen`: where the editor works — the brief and retrieved passages on the left, the
draft (with per-sentence verdicts), its evidence, provenance and desk note on the right.

It owns the open `Session`: every change is applied to it and saved (debounced, atomic). Long
work runs in thread workers (`assistant.tui.jobs`) that report back through messages.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Log, OptionList, TabbedContent, TabPane

from assistant.draft_edits import cite_passage, paragraph_text, with_paragraph_text
from assistant.service import DeskService
from assistant.sessions import Session
from assistant.tui import jobs
from assistant.tui.formatting import steady_cursors
from assistant.tui.messages import (
    DraftUpdated,
    Exported,
    PassagesRetrieved,
    ProgressReported,
    ServiceWarmed,
    StalenessChecked,
    TokenStreamed,
    WorkFailed,
    WorkFinished,
)
from assistant.tui.session_keeper import SessionKeeper
from assistant.tui.widgets.brief_form import BriefForm
from assistant.tui.widgets.desk_note_view import DeskNoteView
from assistant.tui.widgets.draft_view import DraftView, section_title
from assistant.tui.widgets.evidence_panel import EvidencePanel
from assistant.tui.widgets.paragraph_editor import ParagraphEditor
from assistant.tui.widgets.passage_table import PassageTable
from assistant.tui.widgets.provenance_view import ProvenanceView
from assistant.tui.widgets.status_bar import StatusBar

WIRE_CHECK_S = 5.0
"""How often the screen looks for new wire (a one-row SQLite read in a worker thread)."""


class DraftingScreen(Screen[None]):
    BINDINGS = [
        Binding("ctrl+r", "retrieve", "Retrieve"),
        Binding("ctrl+g", "draft_all", "Draft all"),
        Binding("f5", "reverify", "Re-verify"),
        Binding("ctrl+z", "undo", "Undo"),
        Binding("ctrl+y", "redo", "Redo"),
        Binding("f2", "ingest", "Ingest"),
        Binding("f3", "export", "Export"),
        Binding("f6", "show_tab('tab-draft')", "Draft", show=False),
        Binding("f7", "show_tab('tab-provenance')", "Provenance", show=False),
        Binding("f8", "show_tab('tab-note')", "Desk note", show=False),
        Binding("escape", "cancel", "Cancel the running job", show=False),
    ]

    def __init__(self, service: DeskService, session: Session) -> None:
        super().__init__()
        self.service = service
        self.session = session
        self.keeper = SessionKeeper(self, service.sessions, lambda: self.session)
        self._job: str | None = None
        self._cancel: threading.Event | None = None
        self._edit_seq = 0
        self._edit_recorded = False  # this editor session's first edit went on the undo stack
        self._stream_section: str | None = None
        self._goto_index = 0

    # --- layout --------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield BriefForm(id="brief", tz=self.service.settings.timezone)
                yield PassageTable(id="passages")
            with TabbedContent(id="tabs", initial="tab-draft"):
                with TabPane("Draft", id="tab-draft"):
                    with Horizontal():
                        with Vertical(id="draft-col"):
                            yield DraftView(id="draft")
                            yield ParagraphEditor(id="editor")
                            yield Log(id="stream", max_lines=400)
                        yield EvidencePanel(id="evidence")
                with TabPane("Provenance", id="tab-provenance"):
                    yield ProvenanceView(id="provenance")
                with TabPane("Desk note", id="tab-note"):
                    yield DeskNoteView(id="desk-note")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        steady_cursors(self)
        self.query_one(ParagraphEditor).display = False
        self.query_one("#stream", Log).display = False
        self.load_session(self.session)
        # New wire from another process (`desk watch`) moves the store's generation: then the
        # stale-sources check runs again and the status bar says the index changed.
        self._wire_generation: int | None = None
        self.set_interval(WIRE_CHECK_S, self._check_wire)

    def _check_wire(self) -> None:
        if self.session.draft is None or self._job is not None:
            return
        snapshot = self._snapshot()

        def check() -> None:
            now = self.service.store.generation()
            seen, self._wire_generation = self._wire_generation, now
            if seen is not None and seen != now:
                staleness = self.service.staleness(snapshot)
                if staleness.generation_then is None:  # a session saved before generations
                    staleness = dataclasses.replace(staleness, generation_then=seen)
                self.post_message(StalenessChecked(staleness))

        self.run_worker(check, thread=True, group="wire", exclusive=True, exit_on_error=False)

    # --- the session ---------------------------------------------------------------------------
    def load_session(self, session: Session) -> None:
        """Show `session` exactly as it was saved: brief, passages, draft, cursor."""
        self.flush_save(wait=True)
        self.session = session
        self.title = "desk"
        self.sub_title = session.name
        self.app.sub_title = session.name
        self.query_one(BriefForm).fill(
            session.topic, session.filters, session.generator, session.model
        )
        self.query_one(PassageTable).show(session.hits, session.pinned, session.excluded)
        self.query_one(ParagraphEditor).close()
        self._show_draft(keep=session.cursor)
        self.query_one(StatusBar).warn(None)
        if session.draft is not None and any(
            sentence.verdict is None
            for sec in session.draft.sections
            for par in sec.paragraphs
            for sentence in par.sentences
        ):
            # Saved mid-edit (e.g. the app was quit while typing): finish verifying it now.
            draft = session.draft
            self.start_job("verifying", lambda cancel: jobs.reverify(self.service, self, draft))
        if session.draft is not None:
            self.run_worker(
                partial(jobs.check_stale, self.service, self, self._snapshot()),
                thread=True,
                group="stale",
                exit_on_error=False,
            )
        (self.query_one(DraftView) if session.draft else self.query_one("#topic")).focus()

    def _snapshot(self) -> Session:
        # Workers get a shallow copy without history: drafts are replaced, never mutated.
        return self.session.model_copy(update={"undo_stack": [], "redo_stack": []})

    def changed(self) -> None:
        """Something in the session changed: save it shortly (debounced, off the UI thread)."""
        self.keeper.changed()

    def flush_save(self, wait: bool = False) -> None:
        self.keeper.flush(wait=wait)

    def save_before_leaving(self) -> None:
        """Keep what is in the editor (even if not verified yet) and write the session now."""
        editor = self.query_one(ParagraphEditor)
        if editor.key is not None and self.session.draft is not None:
            section_id, paragraph_id = editor.key.split("/")
            located = self.query_one(DraftView).locate(f"{editor.key}/0")
            if located is not None and paragraph_text(located[1]) != editor.text:
                self.session.set_draft(
                    with_paragraph_text(self.session.draft, section_id, paragraph_id, editor.text)
                )
                self.keeper.dirty = True
        self.flush_save(wait=True)

    def on_unmount(self) -> None:
        self.flush_save(wait=True)

    def _show_draft(self, keep: str | None = None) -> None:
        draft = self.session.draft
        view = self.query_one(DraftView)
        view.show(draft, keep=keep)
        self.query_one(StatusBar).show_metrics(draft.metrics if draft else None)
        self.query_one(ProvenanceView).show(draft)
        self.query_one(DeskNoteView).show(draft)
        self._show_evidence(view.current_key)
        editor = self.query_one(ParagraphEditor)
        if editor.key is not None and draft is not None:
            located = view.locate(f"{editor.key}/0")
            editor.show_verdicts(located[1] if located else None)

    def _show_evidence(self, key: str | None) -> None:
        located = self.query_one(DraftView).locate(key)
        if located is None:
            self.query_one(EvidencePanel).show(None, None)
            return
        section, paragraph, sentence = located
        where = f"{section_title(section)} ¶{section.paragraphs.index(paragraph) + 1}"
        self.query_one(EvidencePanel).show(self.session.draft, sentence, where)

    # --- jobs ----------------------------------------------------------------------------------
    def start_job(self, name: str, fn: Callable[[threading.Event], None]) -> bool:
        if self._job is not None:
            self.notify(f"{self._job} is still running (esc cancels it).", severity="warning")
            return False
        self._job, self._cancel = name, threading.Event()
        self.query_one(StatusBar).job_started(name)
        cancel = self._cancel
        self.run_worker(
            lambda: jobs.guarded(name, self, lambda: fn(cancel)),
            thread=True,
            group="job",
            exit_on_error=False,
        )
        return True

    @property
    def busy(self) -> bool:
        return self._job is not None

    def on_work_finished(self, event: WorkFinished) -> None:
        if event.job == self._job:
            self._job, self._cancel = None, None
            self.query_one(StatusBar).job_finished()
            self.set_timer(1.5, self._hide_stream)

    def _hide_stream(self) -> None:
        if self._job is None:
            self.query_one("#stream", Log).display = False

    def on_work_failed(self, event: WorkFailed) -> None:
        self.notify(event.cause, title=event.job.capitalize(), severity=event.severity)  # type: ignore[arg-type]

    def on_progress_reported(self, event: ProgressReported) -> None:
        bar = self.query_one(StatusBar)
        if event.task:
            bar.stage(event.task, event.total)
        elif event.advance:
            bar.advance(event.advance)

    def on_token_streamed(self, event: TokenStreamed) -> None:
        log = self.query_one("#stream", Log)
        log.display = True
        if event.section_id != self._stream_section:
            self._stream_section = event.section_id
            log.write(f"\n── {event.section_id} ──\n")
        log.write(event.token if event.token.endswith((" ", "\n")) else event.token + " ")

    def on_service_warmed(self, event: ServiceWarmed) -> None:
        if event.problem:
            self.notify(
                f"the index or model could not load: {event.problem}",
                title="Startup",
                severity="error",
                timeout=10,
            )

    def stop_work(self) -> None:
        if self._cancel is not None:
            self._cancel.set()

    def action_cancel(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.notify(f"Cancelling {self._job}…")

    # --- brief and passages --------------------------------------------------------------------
    @on(BriefForm.BriefChanged)
    def brief_changed(self, event: BriefForm.BriefChanged) -> None:
        s = self.session
        new = (event.topic, event.filters, event.generator, event.model)
        self.query_one(StatusBar).warn(None)
        if new != (s.topic, s.filters, s.generator, s.model):  # not an echo of `fill`
            s.topic, s.filters, s.generator, s.model = new
            self.changed()

    @on(BriefForm.BriefInvalid)
    def brief_invalid(self, event: BriefForm.BriefInvalid) -> None:
        self.query_one(StatusBar).warn(event.problem)

    def on_input_submitted(self, event) -> None:  # type: ignore[no-untyped-def]
        if event.input.id == "topic":
            self.action_retrieve()

    def action_retrieve(self) -> None:
        s = self._snapshot()
        if not s.topic:
            self.notify("Type a topic first.", severity="warning")
            return
        self.start_job(
            "retrieving",
            lambda cancel: jobs.retrieve(self.service, self, s.topic, s.search_filters(), s.pinned),
        )

    def on_passages_retrieved(self, event: PassagesRetrieved) -> None:
        self.session.hits = event.hits
        self.query_one(PassageTable).show(event.hits, self.session.pinned, self.session.excluded)
        self.changed()

    def _current_passage(self) -> str | None:
        return self.query_one(PassageTable).current_passage_id

    def action_pin_passage(self) -> None:
        pid = self._current_passage()
        if pid:
            state = self.session.toggle_pin(pid)
            self.query_one(PassageTable).refresh_marks(self.session.pinned, self.session.excluded)
            self.notify("Pinned: always offered to the generator." if state else "Unpinned.")
            self.changed()

    def action_exclude_passage(self) -> None:
        pid = self._current_passage()
        if pid:
            state = self.session.toggle_exclude(pid)
            self.query_one(PassageTable).refresh_marks(self.session.pinned, self.session.excluded)
            self.notify("Excluded from retrieval." if state else "No longer excluded.")
            self.changed()

    def action_open_passage(self) -> None:
        pid = self._current_passage()
        hit = self.query_one(PassageTable).hits.get(pid or "")
        if hit is None:
            return
        store = self.service.store
        doc = store.get_document(hit.passage.doc_id)
        seen = [s.url or s.outlet for s in store.sightings(hit.passage.doc_id)][1:]
        from assistant.tui.screens.passage_screen import PassageScreen  # dialogs load on first use

        self.app.push_screen(PassageScreen(hit.passage, doc, hit.lineage_size, seen))

    @on(PassageTable.RowSelected)
    def passage_selected(self, event: PassageTable.RowSelected) -> None:
        if self.query_one(ParagraphEditor).key is not None:
            self.action_cite_passage()
        else:
            self.action_open_passage()

    def action_cite_passage(self) -> None:
        editor = self.query_one(ParagraphEditor)
        hit = self.query_one(PassageTable).hits.get(self._current_passage() or "")
        if hit is None or editor.key is None or self.session.draft is None:
            self.notify(
                "Open a paragraph for editing (e) first, then cite a passage with c.",
                severity="warning",
            )
            return
        draft, n = cite_passage(self.session.draft, hit.passage)
        self.session.set_draft(draft, record=False)
        editor.insert_marker(n)
        self.changed()

    # --- drafting ------------------------------------------------------------------------------
    def action_draft_all(self) -> None:
        s = self._snapshot()
        if not s.topic:
            self.notify("Type a topic first.", severity="warning")
            return
        self._stream_section = None
        self.query_one("#stream", Log).clear()
        self.start_job("drafting", lambda cancel: jobs.draft_all(self.service, self, s, cancel))

    def _located(self) -> tuple[str, str] | None:
        key = self.query_one(DraftView).current_key
        if key is None or self.session.draft is None:
            self.notify("Move the cursor onto a sentence of the draft first.", severity="warning")
            return None
        section_id, paragraph_id, _ = key.split("/")
        return section_id, paragraph_id

    def action_draft_section(self) -> None:
        where = self._located()
        if where:
            s = self._snapshot()
            self.start_job(
                "redrafting section",
                lambda cancel: jobs.draft_section(self.service, self, s, where[0], cancel),
            )

    def action_regenerate_paragraph(self) -> None:
        where = self._located()
        if where is None:
            return
        if f"{where[0]}/{where[1]}" in self.session.locks:
            self.notify("This paragraph is locked (l unlocks it).", severity="warning")
            return
        s = self._snapshot()
        self.start_job(
            "redrafting paragraph",
            lambda cancel: jobs.regenerate_paragraph(
                self.service, self, s, where[0], where[1], cancel
            ),
        )

    def on_draft_updated(self, event: DraftUpdated) -> None:
        if event.reason != "edited":
            # A redraft or re-verify replaces the text: drop verifications still in flight and
            # close the editor rather than let old text overwrite the new draft.
            self._edit_seq += 1
            if self.query_one(ParagraphEditor).key is not None:
                self.query_one(ParagraphEditor).close(keep_pending=False)
                self.query_one(DraftView).editing = None
        self.session.set_draft(event.draft, record=event.record and event.reason != "edited")
        if event.generation is not None:
            self.session.index_generation = event.generation
            self.query_one(StatusBar).warn(None)
        self._show_draft()
        if event.reason != "edited":
            self.notify(
                f"Draft {event.reason}: citation recall {event.draft.metrics.citation_recall:.2f}, "
                f"precision {event.draft.metrics.citation_precision:.2f}."
            )
        self.changed()

    @on(DraftView.SentenceFocused)
    def sentence_focused(self, event: DraftView.SentenceFocused) -> None:
        self._goto_index = 0
        self._show_evidence(event.key)
        if event.key and event.key != self.session.cursor:
            self.session.cursor = event.key
            self.changed()

    @on(OptionList.OptionSelected, "#draft")
    def sentence_selected(self) -> None:
        self.action_edit_paragraph()

    # --- editing -------------------------------------------------------------------------------
    def action_edit_paragraph(self) -> None:
        key = self.query_one(DraftView).current_key
        located = self.query_one(DraftView).locate(key)
        if located is None:
            self.notify("Move the cursor onto a sentence of the draft first.", severity="warning")
            return
        section, paragraph, _ = located
        editor = self.query_one(ParagraphEditor)
        editor.flush()
        pkey = f"{section.id}/{paragraph.id}"
        self.query_one(DraftView).editing = pkey
        title = f"{section_title(section)} ¶{section.paragraphs.index(paragraph) + 1}"
        self._edit_recorded = False
        editor.open(pkey, title, paragraph_text(paragraph))
        editor.show_verdicts(paragraph)
        self._show_draft(keep=key)

    @on(ParagraphEditor.TextEdited)
    def text_edited(self, event: ParagraphEditor.TextEdited) -> None:
        if self.session.draft is None:
            return
        self._edit_seq += 1
        seq = self._edit_seq
        draft = self.session.draft
        # Keep the typed text at once (unverified), so a killed terminal loses under a second;
        # the verified version replaces it without a second undo step. One editor session (open
        # to esc) is one undo step, however often the typing paused.
        section_id, paragraph_id = event.key.split("/")
        try:
            self.session.set_draft(
                with_paragraph_text(draft, section_id, paragraph_id, event.text),
                record=not self._edit_recorded,
            )
            self._edit_recorded = True
        except KeyError:  # the paragraph was redrafted away under the editor
            self.notify(
                "That paragraph is gone from the draft; the edit was not applied.",
                severity="warning",
            )
            self.action_close_editor()
            return
        self._show_draft()
        self.changed()
        self.run_worker(
            lambda: jobs.verify_edit(
                self.service, self, draft, event.key, event.text, lambda: seq == self._edit_seq
            ),
            thread=True,
            group="verify",
            exit_on_error=False,
        )

    def action_close_editor(self) -> None:
        editor = self.query_one(ParagraphEditor)
        editor.close()
        self.query_one(DraftView).editing = None
        self._show_draft()
        self.query_one(DraftView).focus()

    def action_lock_paragraph(self) -> None:
        where = self._located()
        if where:
            locked = self.session.toggle_lock(*where)
            self._show_draft()
            self.notify(
                "Paragraph locked: redrafting leaves it alone." if locked else "Paragraph unlocked."
            )
            self.changed()

    def action_undo(self) -> None:
        self._history(self.session.undo, "Nothing to undo.")

    def action_redo(self) -> None:
        self._history(self.session.redo, "Nothing to redo.")

    def _history(self, step: Callable[[], bool], nothing: str) -> None:
        if self.query_one(ParagraphEditor).key is not None:
            self.action_close_editor()
        self._edit_recorded = False
        self._edit_seq += 1  # a verification still running must not redo what was undone
        if step():
            self._show_draft()
            self.changed()
        else:
            self.notify(nothing, severity="warning")

    # --- provenance, staleness, export, ingest ---------------------------------------------------
    def action_goto_provenance(self) -> None:
        located = self.query_one(DraftView).locate(self.query_one(DraftView).current_key)
        if located is None or located[2] is None or not located[2].citations:
            self.notify("This sentence cites nothing.", severity="warning")
            return
        markers = located[2].citations
        n = markers[self._goto_index % len(markers)]
        self._goto_index += 1
        self.action_show_tab("tab-provenance")
        if not self.query_one(ProvenanceView).focus_marker(n):
            self.notify(
                f"[{n}] has no provenance entry yet (verify the draft first).", severity="warning"
            )

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        ids = {"tab-draft": "#draft", "tab-provenance": "#provenance", "tab-note": "#desk-note"}
        self.query_one(ids[tab]).focus()

    def on_staleness_checked(self, event: StalenessChecked) -> None:
        st = event.staleness
        if st.stale or st.index_moved:
            # The key first: while a job's progress bar shares the line, the end is cut off.
            self.query_one(StatusBar).warn(f"F5 re-verifies: {st.describe()}")
            if st.stale:
                self.notify(
                    f"{st.describe()}. Press F5 to re-verify against the index.",
                    title="Stale sources",
                    severity="warning",
                    timeout=8,
                )

    def action_reverify(self) -> None:
        if self.session.draft is None:
            self.notify("No draft to verify yet.", severity="warning")
            return
        draft = self.session.draft
        self.start_job("re-verifying", lambda cancel: jobs.reverify(self.service, self, draft))

    def action_export(self) -> None:
        if self.session.draft is None:
            self.notify("Nothing to export: draft first (ctrl+g).", severity="warning")
            return
        draft, name = self.session.draft, self.session.name

        def chosen(fmt: str | None) -> None:
            if fmt:
                self.start_job(
                    "exporting", lambda cancel: jobs.export(self.service, self, draft, fmt, name)
                )

        from assistant.tui.screens.export_screen import ExportScreen

        self.app.push_screen(ExportScreen("the workspace's exports/ folder"), chosen)

    def on_exported(self, event: Exported) -> None:
        self.notify(f"Exported {event.fmt.upper()} to {event.path}", title="Export")

    def action_ingest(self) -> None:
        def finished(report: object) -> None:
            if report is not None and self.session.draft is not None:
                self.run_worker(
                    partial(jobs.check_stale, self.service, self, self._snapshot()),
                    thread=True,
                    group="stale",
                    exit_on_error=False,
                )

        from assistant.tui.screens.ingest_screen import IngestScreen

        self.app.push_screen(IngestScreen(self.service), finished)
