"""Provenance of a draft: the wire provenance footer (`footer.build_provenance`), the computed
desk note (`desk_note.build_desk_note`), the disagreements between cited sources, and reading an
editor's hand-edited Markdown back against the draft's citation list (`markdown`)."""
