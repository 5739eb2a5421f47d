"""The entailment model's training data, read from the real `../shared/data`: the traps of the
nli files, synthetic pairs that say what their recipe claims, and no row from the evaluation
data (`verify/`, AttributionBench dev) in training."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest

from tests.conftest import shared_data


@pytest.fixture(scope="module")
def data():
    return shared_data()


@pytest.fixture(scope="module")
def nli_pairs(data):
    from bench.verifier_training.pairs import read_all

    return read_all(data)


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def test_factcg_labels_come_from_orig_label_and_musique_keeps_only_documents(nli_pairs):
    doc = Counter(p.label for p in nli_pairs if p.source == "factcg_doc")
    musique = [p for p in nli_pairs if p.source == "factcg_musique"]
    assert doc == {1: 1034, 0: 1034}
    assert len(musique) == 1042
    assert {p.label for p in musique} == {0}
    assert all(p.passages[0].strip() for p in musique)


def test_summedits_other_has_its_3862_summaries(nli_pairs):
    rows = [p for p in nli_pairs if p.source.startswith("summedits_")]
    assert len(rows) == 3862
    assert len({p.source for p in rows}) == 7


def test_factcc_is_all_inconsistent_and_shares_no_article_with_qags_xsum(data, nli_pairs):
    from assistant.text import sentence_spans

    factcc = [p for p in nli_pairs if p.source == "factcc"]
    assert factcc and {p.label for p in factcc} == {0}
    xsum = set()
    for line in (data / "verify" / "mturk_xsum.jsonl").read_text().splitlines():
        art = json.loads(line)["article"]
        xsum |= {_key(art[a:b]) for a, b in sentence_spans(art) if len(art[a:b].split()) >= 8}
    for p in factcc:
        doc = p.passages[0]
        assert not {_key(doc[a:b]) for a, b in sentence_spans(doc)} & xsum


def test_climate_fever_mapping(data, nli_pairs):
    claims = {}
    for line in (data / "nli" / "climate_fever" / "climate-fever.jsonl").read_text().splitlines():
        row = json.loads(line)
        claims[row["claim"]] = row["claim_label"]
    whole = [p for p in nli_pairs if p.source == "climate_fever"]
    per_sentence = [p for p in nli_pairs if p.source == "climate_fever_disputed"]
    for p in whole:
        assert claims[p.hypothesis] != "DISPUTED"
        assert p.label == (1 if claims[p.hypothesis] == "SUPPORTS" else 0)
    assert {claims[p.hypothesis] for p in per_sentence} == {"DISPUTED"}
    assert any(claims[p.hypothesis] == "NOT_ENOUGH_INFO" for p in whole)


def test_attributionbench_is_never_read(nli_pairs):
    assert not any("attributionbench" in p.file for p in nli_pairs)


@pytest.fixture(scope="module")
def sample(data):
    from bench.verifier_training.prepare import build

    return build(seed=7, sample=400, data=data)


def test_no_training_row_comes_from_the_evaluation_data(data, sample):
    """Checked here independently of the build's own guard: every hypothesis and every long
    premise sentence against the evaluation files as they are."""
    from assistant.text import sentence_spans

    rows, _ = sample
    hyps, sents = set(), set()

    def doc_sentences(doc: str) -> set[str]:
        return {_key(doc[a:b]) for a, b in sentence_spans(doc) if len(doc[a:b].split()) >= 8}

    for it in json.loads((data / "verify" / "summedits_news.json").read_text()):
        hyps.add(_key(it["summary"]))
        sents |= doc_sentences(it["doc"])
    for name in ("mturk_cnndm.jsonl", "mturk_xsum.jsonl"):
        for line in (data / "verify" / name).read_text().splitlines():
            row = json.loads(line)
            sents |= doc_sentences(row["article"])
            hyps |= {_key(s["sentence"]) for s in row["summary_sentences"]}
    ab = data / "nli" / "attributionbench" / "dev_all_subset_balanced.jsonl"
    for line in ab.read_text().splitlines():
        row = json.loads(line)
        hyps.add(_key(row["claim"]))
        for ref in row["references"]:
            sents |= doc_sentences(ref)
    assert rows
    for r in rows:
        assert _key(r.hypothesis) not in hyps
        assert not doc_sentences(r.premise) & sents, r.premise[:200]


def test_the_guard_drops_a_pair_made_from_an_evaluation_document(data):
    from bench.verifier_training.pairs import evaluation_texts
    from bench.verifier_training.prepare import touches_evaluation

    hyps, sents = evaluation_texts(data)
    item = json.loads((data / "verify" / "summedits_news.json").read_text())[0]
    assert touches_evaluation(item["doc"][:2000], "An unrelated claim of mine.", hyps, sents)
    assert touches_evaluation("Some other text entirely.", item["summary"], hyps, sents)
    assert not touches_evaluation("Some other text entirely.", "A claim.", hyps, sents)


def test_labels_are_balanced_and_the_split_is_by_document(sample):
    rows, stats = sample
    labels = Counter(r.label for r in rows)
    assert labels[0] == labels[1]
    train = {r.group for r in rows if r.split == "train"}
    dev = {r.group for r in rows if r.split == "dev"}
    assert dev and not train & dev
    assert max(len(r.premise.split()) for r in rows) <= 160


def _split_fused(hypothesis: str, passages: tuple[str, ...]) -> tuple[str, str]:
    """The two facts of a fused claim: the first is a sentence of the passages (either part may
    itself contain ", and ")."""
    at = -1
    while (at := hypothesis.find(", and ", at + 1)) >= 0:
        first = hypothesis[:at]
        if any(first + "." in p or first + "!" in p or first + "?" in p for p in passages):
            return first, hypothesis[at + len(", and ") :]
    raise AssertionError(f"no fusion point in {hypothesis!r}")


@pytest.fixture(scope="module")
def synthetic(data):
    from bench.verifier_training.synthetic import make_pairs, read_stories

    return list(make_pairs(read_stories(data), seed=3))


def test_a_swapped_name_comes_from_the_passage_and_makes_a_new_sentence(synthetic):
    from assistant.text import words
    from assistant.verify import signals as sg
    from bench.verifier_training.synthetic import sentences

    swaps = [p for p in synthetic if p.source == "synthetic:name_swap"]
    assert len(swaps) > 100
    for p in swaps:
        passage = p.passages[0]
        assert p.hypothesis not in sentences(passage)
        original = next(
            s
            for s in sentences(passage)
            if len(s.split()) >= len(p.hypothesis.split()) - 3
            and s.split()[-1] == p.hypothesis.split()[-1]
            or s.split()[0] == p.hypothesis.split()[0]
        )
        new_words = set(words(p.hypothesis)) - set(words(original))
        assert new_words, p.hypothesis
        bare = {re.sub(r"['’]s$", "", w) for w in new_words}
        in_passage = {re.sub(r"['’]s$", "", w) for w in words(passage)}
        assert bare <= in_passage, (p.hypothesis, new_words)
        assert sg.names(p.hypothesis)


def test_fused_positives_keep_both_facts_in_the_cut_premise(synthetic):
    from bench.verifier_training.prepare import cut
    from bench.verifier_training.synthetic import coverage

    fused = [p for p in synthetic if p.source in ("synthetic:fused", "synthetic:fused_cited")]
    assert len(fused) > 100
    assert {p.label for p in fused} == {1}
    for p in fused[:150]:
        first, second = _split_fused(p.hypothesis, p.passages)
        premise = cut(p)
        assert coverage(first, premise) >= 0.9, (first, premise)
        assert coverage(second, premise) >= 0.9, (second, premise)


def test_fused_negatives_miss_their_second_fact(synthetic):
    from bench.verifier_training.prepare import cut
    from bench.verifier_training.synthetic import coverage

    missing = [p for p in synthetic if p.source == "synthetic:fused_missing"]
    assert len(missing) > 50
    for p in missing[:150]:
        first, second = _split_fused(p.hypothesis, p.passages)
        premise = cut(p)
        assert coverage(first, premise) >= 0.9
        assert coverage(second, premise) < 0.6, (second, premise)


def test_the_data_card_names_every_file_with_its_licence_and_the_seed(sample):
    from bench.verifier_training.card import render

    _, stats = sample
    card = render(stats, None)
    assert f"Seed: {stats['seed']}" in card
    for file in stats["files"]:
        line = next(x for x in card.splitlines() if f"`{file}`" in x)
        assert "see the file's README" not in line, line
    assert "attributionbench" not in "".join(stats["files"]).lower()
    assert "Not trained yet." in card


def test_a_positive_whose_support_the_cut_loses_is_not_trained_on(nli_pairs):
    """SummEdits podcast summaries are abstractive over long transcripts: for some, the 160-token
    premise cannot hold what the summary says, so the label 1 would be false of what the model
    reads; those are dropped, while a short positive is kept."""
    from bench.verifier_training.prepare import cut, support_lost
    from bench.verifier_training.synthetic import coverage

    podcasts = [p for p in nli_pairs if p.source == "summedits_podcast" and p.label == 1][:60]
    lost = [p for p in podcasts if support_lost(p, cut(p))]
    assert lost, "expected some podcast summaries to outgrow the premise"
    for p in lost:
        assert coverage(p.hypothesis, cut(p)) < coverage(p.hypothesis, " ".join(p.passages))
    short = next(p for p in nli_pairs if p.source == "mnli" and p.label == 1)
    assert not support_lost(short, cut(short))


def test_positives_get_twins_one_edit_away_on_the_same_premise(synthetic):
    """The minimal pairs: a twin is a negative whose premise is a positive's, and whose wording
    differs from that positive's by one short edit (a name of the premise, a verb, a `not`, a
    figure) — not a different sentence."""
    positives: dict[tuple[str, ...], list[str]] = {}
    for p in synthetic:
        if p.label == 1:
            positives.setdefault(p.passages, []).append(p.hypothesis)
    twins = [p for p in synthetic if p.source.startswith("synthetic:twin_")]
    kinds = Counter(p.source for p in twins)
    assert len(twins) > 0.5 * sum(len(v) for v in positives.values())
    assert kinds["synthetic:twin_name_swap"] > 400 and kinds["synthetic:twin_antonym"] > 300
    assert {p.label for p in twins} == {0}
    for p in twins[:400]:
        assert p.hypothesis not in positives[p.passages]
        _one_edit_from(positives[p.passages], p.hypothesis)


def test_nli_positives_get_name_swapped_twins_on_the_same_premise(nli_pairs):
    from bench.verifier_training.synthetic import nli_twins

    positives: dict[tuple[str, ...], list[str]] = {}
    for p in nli_pairs:
        if p.label == 1:
            positives.setdefault(p.passages, []).append(p.hypothesis)
    twins = list(nli_twins(nli_pairs, seed=3, limit=3000))
    kinds = Counter(p.source for p in twins)
    assert len(twins) == 3000
    assert kinds["synthetic:twin_nli_name_swap"] > 1000, kinds
    for p in twins:  # never another true claim about the same premise
        assert p.label == 0 and p.hypothesis not in positives[p.passages]
    for p in twins[:400]:
        _one_edit_from(positives[p.passages], p.hypothesis)


def _one_edit_from(originals: list[str], twin: str) -> None:
    """`twin` differs from the closest of `originals` by one run of at most 4 words."""
    import difflib

    best = max(
        originals, key=lambda h: difflib.SequenceMatcher(None, h.split(), twin.split()).ratio()
    )
    ops = difflib.SequenceMatcher(None, best.split(), twin.split()).get_opcodes()
    changed = [op for op in ops if op[0] != "equal"]
    assert len(changed) == 1, (best, twin)
    _tag, i1, i2, j1, j2 = changed[0]
    assert max(i2 - i1, j2 - j1) <= 4, (best, twin)


def test_the_cut_premise_is_one_the_verifier_judges_a_long_source_by(nli_pairs):
    """Training reads what the verifier reads: a long single source is cut to one of its
    windows (a natural run of its text, not sentences picked by the claim's words), the one
    holding most of the claim's words."""
    from assistant.verify.premise import premises
    from bench.verifier_training.prepare import MAX_PREMISE_TOKENS, cut
    from bench.verifier_training.synthetic import coverage

    long = [
        p
        for p in nli_pairs
        if p.source == "mctest" and len(p.passages) == 1 and len(p.passages[0].split()) > 300
    ][:40]
    assert len(long) == 40
    for p in long:
        candidates = premises(p.hypothesis, {0: p.passages[0]}, MAX_PREMISE_TOKENS)
        assert len(candidates) > 1
        premise = cut(p)
        assert premise in candidates
        assert " ".join(premise.split()) in " ".join(p.passages[0].split())
        assert coverage(p.hypothesis, premise) == max(coverage(p.hypothesis, c) for c in candidates)
