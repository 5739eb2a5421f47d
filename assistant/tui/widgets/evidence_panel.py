"""`EvidencePanel`: beside the draft, the sentence under the cursor with its verdict, the
verifier's reasons, and each cited passage with the words that support the sentence highlighted.
"""

from __future__ import annotations

from rich.console import Group
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from assistant.models import Draft, Sentence
from assistant.tui.formatting import GLYPHS, utc


class EvidencePanel(VerticalScroll):
    """What backs the sentence under the cursor."""

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(
            Text("Move the cursor onto a sentence to see its sources.", style="dim"),
            id="evidence-body",
        )

    def show(self, draft: Draft | None, sentence: Sentence | None, where: str = "") -> None:
        body = self.query_one("#evidence-body", Static)
        if draft is None or sentence is None:
            body.update(Text("Move the cursor onto a sentence to see its sources.", style="dim"))
            return
        body.update(Group(*self.render_evidence(draft, sentence, where)))
        self.scroll_home(animate=False)

    @staticmethod
    def render_evidence(draft: Draft, sentence: Sentence, where: str = "") -> list[Text]:
        parts: list[Text] = []
        verdict = sentence.verdict
        label = verdict.label if verdict is not None else None
        glyph, style = GLYPHS[label]
        head = Text()
        head.append(f"{glyph} {label or 'not verified yet'}", style=style)
        if verdict is not None and label != "uncited":
            head.append(f"  score {verdict.score:.2f}", style="dim")
        if where:
            head.append(f"  {where}", style="dim")
        parts.append(head)
        parts.append(Text(sentence.text, style="italic"))
        if verdict is not None and verdict.reasons:
            reasons = Text()
            for reason in verdict.reasons:
                reasons.append(f"• {reason}\n", style="yellow" if label != "supported" else "dim")
            reasons.rstrip()
            parts.append(reasons)
        if not sentence.citations:
            parts.append(
                Text(
                    "No citation: add one from the passage list (edit ¶, then c).", style="magenta"
                )
            )
        for n in sentence.citations:
            citation = draft.citation(n)
            parts.append(Text(""))
            if citation is None:
                parts.append(Text(f"[{n}] resolves to no passage", style="bold red"))
                continue
            meta = Text()
            meta.append(f"[{n}] ", style="bold cyan")
            meta.append(citation.outlet, style="bold")
            meta.append(f" · {utc(citation.published_at)} UTC", style="dim")
            if citation.title:
                meta.append(f" · {citation.title}", style="dim")
            parts.append(meta)
            passage = Text(citation.text)
            spans = verdict.supporting.get(n, ()) if verdict is not None else ()
            for start, end in spans:
                passage.stylize("bold black on yellow", start, end)
            parts.append(passage)
            if citation.url:
                parts.append(Text(citation.url, style="underline blue"))
        return parts
