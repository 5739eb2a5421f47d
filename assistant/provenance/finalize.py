"""`finalize`: a draft's verification, disagreements, desk note and provenance footer, recomputed
from its citations. `DeskService.finalize` and batch both call it, each with its own verifier
(batch passes one that times itself)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.drafting.repair import SupportsVerify
    from assistant.models import Draft
    from assistant.store import Store


def finalize(
    draft: Draft,
    store: Store,
    verifier: SupportsVerify,
    only: Collection[tuple[str, str]] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> Draft:
    """Recompute metrics, provenance footer and desk note from the draft's citations.

    Disagreements between cited sources become cited sentences at the end of "What remains
    genuinely uncertain" (rewritten on every call unless the editor locked or edited that
    paragraph); then every sentence is verified, and the desk note and footer are computed
    from the verified draft. `only` and `cancelled` go to `verify_draft`: re-verify just those
    paragraphs (plus new sentences), and stop when a newer request supersedes this one."""
    from assistant.provenance.desk_note import build_desk_note, with_disagreements
    from assistant.provenance.disagreements import find_disagreements
    from assistant.provenance.footer import build_provenance

    disagreements = find_disagreements(draft, store)
    drafted = with_disagreements(draft, disagreements)
    # Only partial or cancellable runs pass the extra arguments, so a verifier with the plain
    # `verify_draft(draft)` signature still works for everything else.
    verified = (
        verifier.verify_draft(drafted)
        if only is None and cancelled is None
        else verifier.verify_draft(drafted, only=only, cancelled=cancelled)
    )
    return verified.model_copy(
        update={
            "desk_note": build_desk_note(verified, store, disagreements),
            "provenance": build_provenance(verified, store),
        }
    )
