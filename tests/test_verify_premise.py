"""`Premise.select`: a claim that joins facts from two sentences of a passage, or from two
citations, gets both supporting sentences as its premise, which no single window of today's
verifier holds; budgets, document order and chunking of long passages."""

from __future__ import annotations

from assistant.text import words
from assistant.verify import signals as sg
from assistant.verify.evidence import Claim, Source
from assistant.verify.premise import Premise, approx_tokens

# A real-length news passage: the two facts the claim joins are four sentences apart.
PASSAGE = (
    "Vladimir Putin and Donald Trump met at Joint Base Elmendorf-Richardson in Anchorage on "
    "15 August 2025. Reporters waited for hours outside the hangar where the leaders spoke. "
    "Security around the base was tight, and local roads were closed from early morning. "
    "The White House had flown in a large delegation of officials and advisers for the day. "
    "Residents gathered along the highway with flags and signs, some in support and some in "
    "protest, while helicopters circled overhead for most of the afternoon. "
    "Several television networks carried the arrival of both motorcades live, with "
    "commentators speculating at length about the seating plan and the order of speakers. "
    "The talks lasted about three hours and ended without a joint statement. "
    "Officials from both sides briefed journalists separately in the evening, giving "
    "accounts that differed on almost every point of substance. "
    "Markets in Europe opened little changed the next morning, as traders waited for details "
    "of any sanctions relief and for guidance from ministers in Brussels and Berlin. "
    "Commentators in Kyiv said the absence of Ukraine from the room was itself the message."
)
FUSED = (
    "Putin and Trump met in Anchorage on 15 August 2025, and the talks lasted about three "
    "hours without a joint statement."
)
OTHER = (
    "NATO leaders gathered in Ankara on 29 June 2026 for a two-day summit. Air defence and "
    "spending targets topped the agenda, officials said."
)


def _best_window_coverage(claim: str, passage: str) -> float:
    c = Claim.of(claim)
    s = Source.of(passage, max_window_sentences=2)
    return max(sum(1 for w in c.content if bag.has(w)) / len(c.content) for bag in s.window_bags)


def _coverage(claim: str, text: str) -> float:
    content = set(sg.content_tokens(words(claim)))
    bag = sg.WordBag.of(words(text))
    return sum(1 for w in content if bag.has(w)) / len(content)


def test_a_fused_sentence_gets_both_supporting_sentences_which_no_window_holds():
    assert approx_tokens(PASSAGE) > 160  # the passage must be cut
    assert _best_window_coverage(FUSED, PASSAGE) < 0.8  # today: no window holds the claim

    premise = Premise.select(FUSED, {1: PASSAGE})

    assert "15 August 2025" in premise.text
    assert "lasted about three hours" in premise.text
    assert _coverage(FUSED, premise.text) == 1.0
    assert premise.tokens <= 160
    starts = [s.start for s in premise.sentences]
    assert starts == sorted(starts), "sentences come back in document order"


def test_facts_from_two_citations_are_taken_together():
    claim = (
        "Putin and Trump met in Anchorage on 15 August 2025, while NATO leaders gathered in "
        "Ankara on 29 June 2026."
    )
    premise = Premise.select(claim, {2: PASSAGE, 5: OTHER})

    assert premise.keys == (2, 5)
    assert "Anchorage on 15 August 2025" in premise.text
    assert "Ankara on 29 June 2026" in premise.text
    assert premise.text.index("Anchorage") < premise.text.index("Ankara")


def test_short_cited_text_is_kept_whole():
    premise = Premise.select("NATO leaders gathered in Ankara.", [OTHER])
    assert premise.text == OTHER
    assert premise.coverage == 1.0


def test_a_long_passage_is_chunked_and_the_best_chunk_counts():
    filler = " ".join(
        f"Item {i} of the agenda concerned routine matters of procedure and scheduling."
        for i in range(120)
    )
    tail = " ".join(
        f"Delegates then discussed regional transport issue number {i} at some length."
        for i in range(60)
    )
    key = "The ministers agreed to fund the Baltic rail link with 4.2 billion euros."
    long_passage = f"{filler} {key} {tail}"
    assert approx_tokens(long_passage) > 4 * 384

    premise = Premise.select(
        "Ministers agreed 4.2 billion euros for the Baltic rail link.", [long_passage]
    )

    assert key in premise.text
    assert premise.tokens <= 160


def test_a_claim_whose_support_is_missing_still_gets_realistic_context():
    claim = "The summit ended with a signed peace agreement between Russia and Ukraine."
    premise = Premise.select(claim, [PASSAGE])
    assert premise.text  # the model must see what the sources do say
    assert 100 <= premise.tokens <= 160
    assert premise.coverage < 1.0
