"""`DraftView`: the draft section by section, one line per sentence with its verdict glyph.

The cursor moves sentence by sentence (section headings and paragraph breaks are skipped);
highlighting a sentence posts `SentenceFocused` so the evidence panel can follow.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from assistant.models import Draft, Paragraph, Section, Sentence
from assistant.tui.formatting import verdict_glyph

SECTION_NAMES = {
    "headline": "Headline",
    "dek": "Dek",
    "lede": "Lede",
    "structural_frame": "The structural frame, in plain language",
    "uncertain": "What remains genuinely uncertain",
    "serious_point": "The serious point",
}


def section_title(section: Section) -> str:
    return section.title or SECTION_NAMES.get(section.id, section.id.replace("_", " ").title())


def sentence_key(section_id: str, paragraph_id: str, index: int) -> str:
    return f"{section_id}/{paragraph_id}/{index}"


class DraftView(OptionList):
    """Read the draft and move a cursor over its sentences."""

    BINDINGS = [
        Binding("e", "screen.edit_paragraph", "Edit ¶"),
        Binding("l", "screen.lock_paragraph", "Lock ¶"),
        Binding("r", "screen.regenerate_paragraph", "Redraft ¶"),
        Binding("s", "screen.draft_section", "Redraft section"),
        Binding("g", "screen.goto_provenance", "Go to source"),
    ]

    class SentenceFocused(Message):
        def __init__(self, key: str | None) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.draft: Draft | None = None
        self.editing: str | None = None
        """`section_id/paragraph_id` being edited, marked in the view."""

    def show(self, draft: Draft | None, keep: str | None = None) -> None:
        """Show `draft`, keeping the cursor on sentence `keep` (or the current one) if it exists."""
        keep = keep or self.current_key
        self.draft = draft
        self.clear_options()
        if draft is None or not draft.sections:
            self.add_option(
                Option(
                    Text(
                        "No draft yet — set a topic and press ctrl+g to draft.", style="dim italic"
                    ),
                    disabled=True,
                )
            )
            return
        options: list[Option | None] = []
        for section in draft.sections:
            options.append(
                Option(
                    Text(section_title(section).upper(), style="bold underline"),
                    id=f"§{section.id}",
                    disabled=True,
                )
            )
            for paragraph in section.paragraphs:
                options.extend(self._paragraph_options(section, paragraph))
                options.append(None)
            if section.not_provided is not None and not section.paragraphs:
                options.extend(self._not_provided_options(section))
                options.append(None)
        self.add_options(options)
        if keep and keep in self._option_ids():
            self.highlighted = self.get_option_index(keep)
        elif self.highlighted is None:
            self.action_first()
        # The view may have just shrunk (the editor opened): scroll once the layout is known.
        self.call_after_refresh(self.scroll_to_highlight)

    def _paragraph_options(self, section: Section, paragraph: Paragraph) -> list[Option]:
        out = []
        key = f"{section.id}/{paragraph.id}"
        for i, sentence in enumerate(paragraph.sentences):
            prompt = self._sentence_prompt(
                sentence, first=i == 0, paragraph=paragraph, editing=key == self.editing
            )
            out.append(Option(prompt, id=sentence_key(section.id, paragraph.id, i)))
        if not paragraph.sentences:
            out.append(
                Option(
                    Text("(empty paragraph)", style="dim"),
                    id=sentence_key(section.id, paragraph.id, 0),
                )
            )
        return out

    @staticmethod
    def _not_provided_options(section: Section) -> list[Option]:
        """The flag, then the candidate passages (source text, shown as text, not markup)."""
        flag = section.not_provided
        assert flag is not None
        out = [
            Option(
                Text(f"⚑ Not provided by the sources ({flag.reason}).", style="bold yellow"),
                disabled=True,
            )
        ]
        if flag.candidates:
            out.append(
                Option(Text("  Candidate passages for the editor:", style="dim"), disabled=True)
            )
        for c in flag.candidates:
            line = Text("  · ", style="dim")
            line.append(f"{c.outlet} ({c.why}): ", style="italic")
            line.append(c.text, style="dim")
            out.append(Option(line, disabled=True))
        return out

    @staticmethod
    def _sentence_prompt(
        sentence: Sentence, *, first: bool, paragraph: Paragraph, editing: bool
    ) -> Text:
        text = Text()
        text.append_text(verdict_glyph(sentence.verdict))
        marks = ("🔒" if paragraph.locked else " ") if first else " "
        text.append(f"{marks}", style="cyan")
        text.append("✎" if editing else " ", style="bold cyan")
        text.append(sentence.text)
        if sentence.citations:
            text.append(" " + "".join(f"[{n}]" for n in sentence.citations), style="cyan")
        return text

    def _option_ids(self) -> set[str]:
        return {o.id for o in self.options if o.id}

    @property
    def current_key(self) -> str | None:
        option = self.highlighted_option
        return (
            option.id
            if option is not None and option.id and not option.id.startswith("§")
            else None
        )

    def locate(self, key: str | None) -> tuple[Section, Paragraph, Sentence | None] | None:
        """The section, paragraph and sentence a key points at in the shown draft."""
        if key is None or self.draft is None:
            return None
        section_id, paragraph_id, index = key.split("/")
        section = self.draft.section(section_id)
        if section is None:
            return None
        paragraph = next((p for p in section.paragraphs if p.id == paragraph_id), None)
        if paragraph is None:
            return None
        i = int(index)
        return section, paragraph, paragraph.sentences[i] if i < len(paragraph.sentences) else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self.post_message(self.SentenceFocused(self.current_key))
