"""`compute_metrics(draft)`: ALCE-style citation metrics from the verdicts already on a draft.

- citation recall: the share of all sentences (headline and dek included) that their citations
  fully support; an uncited or unverified sentence counts as not supported.
- citation precision: the share of (sentence, citation) pairs where the citation is relevant. As in
  ALCE (Gao et al., 2023), a citation of a sentence its citations do not jointly support earns
  nothing; one of a supported sentence is relevant unless it neither supports the sentence alone
  nor is needed by the others (`Verdict.overcited`, worked out by the verifier).
"""

from __future__ import annotations

from assistant.models import Draft, Metrics


def compute_metrics(draft: Draft) -> Metrics:
    counts = {"supported": 0, "weak": 0, "unsupported": 0, "uncited": 0}
    sentences = relevant = cited = 0
    for section in draft.sections:
        for paragraph in section.paragraphs:
            for sentence in paragraph.sentences:
                sentences += 1
                verdict = sentence.verdict
                if verdict is None:
                    counts["unsupported" if sentence.citations else "uncited"] += 1
                else:
                    counts[verdict.label] += 1
                cited += len(sentence.citations)
                if verdict is not None and verdict.label == "supported":
                    relevant += sum(1 for n in sentence.citations if n not in verdict.overcited)
    return Metrics(
        sentences=sentences,
        citation_recall=counts["supported"] / sentences if sentences else 0.0,
        citation_precision=relevant / cited if cited else 0.0,
        **counts,
    )
