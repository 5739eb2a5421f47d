"""How records look on screen: verdict glyphs and colours, UTC times, passage snippets.

One place so the draft view, the evidence panel, the editor and the help screen agree.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.text import Text

from assistant.models import Metrics, Verdict

GLYPHS: dict[str | None, tuple[str, str]] = {
    "supported": ("✓", "bold green"),
    "weak": ("~", "bold yellow"),
    "unsupported": ("✗", "bold red"),
    "uncited": ("?", "bold magenta"),
    None: ("…", "dim"),
}
"""Verdict label -> (glyph, style). `None` means not verified yet (verification pending)."""

LEGEND = "✓ supported  ~ weak  ✗ unsupported  ? uncited  … verifying"


def verdict_glyph(verdict: Verdict | None) -> Text:
    glyph, style = GLYPHS[verdict.label if verdict is not None else None]
    return Text(glyph, style=style)


def utc(dt: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time as the desk writes it; `undated` when the source gave no date."""
    if dt is None:
        return "undated"
    # Naive times are taken to be UTC already (the core stores aware UTC).
    return (dt if dt.tzinfo is None else dt.astimezone(UTC)).strftime(fmt)


def snippet(text: str, width: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def metrics_text(metrics: Metrics) -> Text:
    text = Text()
    text.append(f"recall {metrics.citation_recall:.2f}", style="bold")
    text.append(" · ")
    text.append(f"precision {metrics.citation_precision:.2f}", style="bold")
    text.append("   ")
    for label, count in (
        ("supported", metrics.supported),
        ("weak", metrics.weak),
        ("unsupported", metrics.unsupported),
        ("uncited", metrics.uncited),
    ):
        glyph, style = GLYPHS[label]
        text.append(f"{glyph}{count} ", style=style)
    return text


def steady_cursors(node) -> None:  # type: ignore[no-untyped-def]
    """Stop text cursors blinking when the app runs headless (tests, snapshots), so what is
    on screen does not depend on when it is looked at. Interactive use keeps the blink."""
    if not node.app.is_headless:
        return
    from textual.widgets import Input, TextArea

    for widget in node.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
