"""The verifier's two backends: the entailment decision's logic, its stated fallback to the lexical
verifier, and partial, cancellable re-verification.

The decision-logic tests give the judge a scripted model (a probability per hypothesis): they
test how probabilities, hard checks and citations combine, not the model, which has its own real
tests (`test_entailment_real.py`). The fallback tests use the real lexical verifier."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from assistant.models import Citation, Draft, Paragraph, Section, Sentence
from assistant.verify.entailment import EntailmentModelError
from assistant.verify.judge import EntailmentJudge, clauses
from assistant.verify.learned import VerificationSuperseded
from assistant.verify.thresholds import EntailmentCuts, Thresholds
from assistant.verify.verifier import Verifier

PASSAGE = (
    "Vladimir Putin and Donald Trump met in Anchorage on 15 August 2025. The talks lasted about "
    "three hours. No ceasefire in Ukraine was agreed."
)


class ScriptedModel:
    """Stands in for `EntailmentModel`: P(support) from a rule on the hypothesis; records calls."""

    path = Path("scripted")
    config = {"max_premise_tokens": 160}

    def __init__(self, rule):
        self.rule = rule
        self.seen: list[str] = []

    def predict(self, premises, hypotheses, batch_size=32):
        self.seen.extend(hypotheses)
        return [self.rule(p, h) for p, h in zip(premises, hypotheses, strict=True)]


def _verifier(rule, **cuts) -> tuple[Verifier, ScriptedModel]:
    model = ScriptedModel(rule)
    th = Thresholds().model_copy(update={"entailment": EntailmentCuts(**cuts)})
    return Verifier(thresholds=th, backend="entailment", judge=EntailmentJudge(model=model)), model  # type: ignore[arg-type]


def _citation(n: int, text: str) -> Citation:
    return Citation(
        n=n,
        passage_id=f"d{n}:0-{len(text)}",
        doc_id=f"d{n}",
        lineage_id=f"d{n}",
        start=0,
        end=len(text),
        content_hash="x" * 64,
        text=text,
        outlet="Reuters",
        kind="wire",
    )


def _draft(paragraphs: dict[str, list[tuple[str, list[int]]]], citations) -> Draft:
    return Draft(
        id="d",
        topic="t",
        generator="extractive",
        citations=citations,
        sections=[
            Section(
                id="body",
                paragraphs=[
                    Paragraph(id=pid, sentences=[Sentence(text=t, citations=c) for t, c in sents])
                    for pid, sents in paragraphs.items()
                ],
            )
        ],
    )


# --- the decision --------------------------------------------------------------------------
def test_the_probability_decides_when_no_hard_check_fails():
    v, _ = _verifier(lambda p, h: 0.9 if "Alaska" not in h else 0.1, supported=0.5, unsupported=0.2)
    ok = v.verify_sentence("Putin and Trump held talks lasting some three hours.", {1: PASSAGE})
    assert ok.label == "supported" and ok.signals["entailment"] == 0.9
    assert v.backend == "entailment"


def test_a_missing_figure_caps_the_label_whatever_the_model_says():
    v, _ = _verifier(lambda p, h: 0.99)
    verdict = v.verify_sentence("The talks lasted about seven hours.", {1: PASSAGE})
    assert verdict.label == "unsupported"
    assert "number '7' not in [1]" in verdict.reasons


def test_a_missing_name_makes_it_weak_at_best():
    v, _ = _verifier(lambda p, h: 0.99)
    verdict = v.verify_sentence("Putin and Macron met in Anchorage.", {1: PASSAGE})
    assert verdict.label == "weak"
    assert "'Macron' not in [1]" in verdict.reasons


def test_a_verbatim_copy_is_supported_even_when_the_model_doubts_it():
    v, _ = _verifier(lambda p, h: 0.05)
    verdict = v.verify_sentence("The talks lasted about three hours.", {1: PASSAGE})
    assert verdict.label == "supported" and verdict.score == 1.0


def test_a_rejection_no_hard_check_explains_names_the_least_supported_part():
    # The scripted model doubts any hypothesis that still says "cordial".
    v, _ = _verifier(lambda p, h: 0.1 if "cordial" in h else 0.95)
    verdict = v.verify_sentence(
        "Putin and Trump met in Anchorage, and the talks were cordial throughout.", {1: PASSAGE}
    )
    assert verdict.label == "unsupported"
    text = " ".join(verdict.reasons)
    assert "little support in [1] (p=0.10)" in text
    assert 'least supported clause: "and the talks were cordial throughout."' in text
    assert "'cordial'" in text


def test_a_citation_the_others_make_redundant_is_overcited():
    second = "The talks in Anchorage lasted about three hours, officials said."
    # Supported whenever the premise holds the first passage's wording.
    v, _ = _verifier(lambda p, h: 0.9 if "Vladimir Putin" in p else 0.1)
    verdict = v.verify_sentence(
        "Putin and Trump met for about three hours.", {1: PASSAGE, 2: second}
    )
    assert verdict.label == "supported"
    assert verdict.overcited == (2,)


def test_clauses_split_at_commas_and_conjunctions_but_keep_short_pieces_together():
    text = "Shares rose 3%, while bonds fell after the Fed spoke, analysts said."
    parts = [text[a:b] for a, b in clauses(text)]
    assert parts[0].startswith("Shares rose 3%")
    assert any("bonds fell" in p for p in parts)
    assert len(parts) >= 2


# --- partial and cancellable re-verification ----------------------------------------------
def test_only_the_named_paragraph_is_verified_again():
    v, model = _verifier(lambda p, h: 0.9)
    cit = [_citation(1, PASSAGE)]
    draft = v.verify_draft(
        _draft(
            {
                "p1": [("Putin and Trump met in Anchorage.", [1])],
                "p2": [("The meeting lasted roughly three hours.", [1])],
            },
            cit,
        )
    )
    model.seen.clear()
    edited = draft.model_copy(deep=True)
    edited.sections[0].paragraphs[1].sentences = [
        Sentence(text="No ceasefire was agreed in Anchorage.", citations=[1])
    ]
    out = v.verify_draft(edited, only={("body", "p2")})
    assert model.seen == ["No ceasefire was agreed in Anchorage."]
    assert out.sections[0].paragraphs[0].sentences[0].verdict == (
        draft.sections[0].paragraphs[0].sentences[0].verdict
    )
    assert out.metrics.sentences == 2 and out.metrics.supported == 2


def test_a_cancelled_run_stops_at_its_next_sentence():
    v, model = _verifier(lambda p, h: 0.9)
    sents = [(f"Putin and Trump met in Anchorage, report {i}.", [1]) for i in range(5)]
    calls = iter([False, True])
    with pytest.raises(VerificationSuperseded):
        v.verify_draft(
            _draft({"p1": sents}, [_citation(1, PASSAGE)]), cancelled=lambda: next(calls)
        )
    assert len([h for h in model.seen if "report" in h]) == 1


def test_a_superseded_edit_never_starts_verifying():
    from assistant.tui import jobs

    class NoService:
        def edit_paragraph(self, *a, **k):  # pragma: no cover - must not be reached
            raise AssertionError("verification started although newer typing superseded it")

    class Target:
        def __init__(self):
            self.messages = []

        def post_message(self, m):
            self.messages.append(m)

    target = Target()
    jobs.verify_edit(NoService(), target, None, "body/p1", "text", lambda: False)  # type: ignore[arg-type]
    assert target.messages == []


# --- the stated fallback -------------------------------------------------------------------
def test_a_missing_model_falls_back_to_the_lexical_verifier_and_says_so(tmp_path, caplog):
    missing = tmp_path / "no-model"
    v = Verifier(backend="entailment", model_dir=missing)
    with caplog.at_level(logging.WARNING, logger="assistant.verify.verifier"):
        verdict = v.verify_sentence("The talks lasted about three hours.", {1: PASSAGE})
    assert verdict.label == "supported"
    assert v.backend == "lexical"
    assert str(missing / "config.json") in (v.fallback or "")
    assert str(missing / "config.json") in caplog.text and "lexical verifier" in caplog.text
    assert v.describe().startswith("lexical (fallback: ")
    assert "sim_window" in verdict.signals  # the lexical verifier's own signals


def test_corrupt_weights_fall_back_naming_the_weights_file(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps(
            {
                "format": "desk-entailment-lora/1",
                "lora": {"rank": 4, "alpha": 8, "targets": ["attention.self.query"]},
            }
        )
    )
    (folder / "adapter.safetensors").write_bytes(b"\x00not safetensors\xff" * 10)
    v = Verifier(backend="entailment", model_dir=folder)
    assert v.backend == "lexical"
    assert str(folder / "adapter.safetensors") in (v.fallback or "")


def test_strict_mode_raises_instead_of_falling_back(tmp_path):
    v = Verifier(backend="entailment", model_dir=tmp_path / "none", strict=True)
    with pytest.raises(EntailmentModelError, match="config.json"):
        v.verify_sentence("The talks lasted about three hours.", {1: PASSAGE})


def test_the_lexical_backend_never_loads_the_model(tmp_path):
    v = Verifier(backend="lexical", model_dir=tmp_path / "none")
    assert v.backend == "lexical" and v.fallback is None and v.describe() == "lexical"


def test_an_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="unknown verifier backend"):
        Verifier(backend="magic")  # type: ignore[arg-type]


@pytest.mark.parametrize("choice", ["entailment", "lexical"])
def test_the_verifier_setting_chooses_the_services_backend(tmp_path, choice):
    from assistant.service import DeskService
    from assistant.workspace import Workspace

    Workspace.init(tmp_path / "ws")
    service = DeskService.open(tmp_path / "ws", overrides={"verifier": choice})
    try:
        assert service.verifier.requested == choice
        assert service.verifier.backend == choice  # the committed model loads when asked for
    finally:
        service.close()


# --- long sources: the best premise counts -------------------------------------------------------
def _long_source(support: str) -> str:
    filler = [
        f"Delegates from region {i} discussed grain shipments, port fees and insurance at length."
        for i in range(30)
    ]
    return " ".join([*filler[:20], support, *filler[20:]])


def test_a_long_sources_windows_cover_every_sentence_within_the_budget():
    from assistant.text import sentence_spans
    from assistant.verify.premise import approx_tokens, windows

    text = _long_source("The summit ended without a ceasefire agreement.")
    got = windows(text, 160)
    assert len(got) > 2
    assert all(approx_tokens(w) <= 160 for w in got)
    for a, b in sentence_spans(text):
        assert any(text[a:b] in w for w in got), text[a:b]
    # consecutive windows overlap: a fact told across a boundary is whole in one of them
    assert all(set(x.split(". ")) & set(y.split(". ")) for x, y in zip(got, got[1:], strict=False))
    assert windows("A short source. It fits one premise.", 160) == []


def test_support_anywhere_in_a_long_source_counts_through_its_window():
    """The claim shares few words with its support and many with other sentences, so the
    selection (by the claim's words) leaves the support out; the window holding it is judged
    too and the best counts."""
    support = "Both governments signed a ceasefire agreement at the summit."
    decoys = [
        f"Delegates from region {i} left early after the two sides had signed shipping papers."
        for i in range(20)
    ]
    text = " ".join([*decoys, _long_source(support)])

    def rule(premise: str, hypothesis: str) -> float:
        return 0.95 if support in premise else 0.05

    verifier, model = _verifier(rule, supported=0.8, unsupported=0.2)
    v = verifier.verify_sentence("Delegates left once the two sides had signed a truce.", {1: text})
    assert v.label == "supported", v.reasons
    assert v.signals["entailment"] == 0.95


# --- claims of several sentences: each sentence at its own best premise, the weakest counts -----
def test_each_sentence_of_a_claim_is_judged_at_its_own_window_and_the_weakest_counts():
    """Two facts told far apart in a long source: no window holds both, so the claim as one
    hypothesis finds no support; sentence by sentence, each finds its window."""
    first = "The summit opened with a minute of silence for the flood victims."
    second = "Both governments signed a ceasefire agreement at the summit."
    text = " ".join([first, _long_source(second)])

    def rule(premise: str, hypothesis: str) -> float:
        # Support only when the premise holds every fact the hypothesis tells.
        need = [s for s, key in ((first, "silence"), (second, "ceasefire")) if key in hypothesis]
        return 0.95 if need and all(s in premise for s in need) else 0.05

    verifier, model = _verifier(rule, supported=0.8, unsupported=0.2)
    claim = (
        "The summit opened with a minute of silence for the flood victims. "
        "Both governments signed a ceasefire agreement."
    )
    v = verifier.verify_sentence(claim, {1: text})
    assert v.label == "supported", v.reasons
    assert claim not in model.seen  # never judged as one hypothesis

    # One sentence the source lacks sinks the claim, and the reason is about that sentence.
    v = verifier.verify_sentence(claim + " Delegates called for a truce.", {1: text})
    assert v.label == "unsupported" and v.signals["entailment"] == 0.05
    named = " ".join(v.reasons).split("least supported words: ")[1]
    assert all(w.strip("' ") in "Delegates called for a truce." for w in named.split(", "))


def test_a_claims_parts_are_its_sentences_or_itself():
    judge = EntailmentJudge(model=ScriptedModel(lambda p, h: 0.5))  # type: ignore[arg-type]
    assert judge.parts("One sentence only, with a clause.") == ["One sentence only, with a clause."]
    assert judge.parts("First fact here. Second fact there.") == [
        "First fact here.",
        "Second fact there.",
    ]
