"""Unit tests of the extractive composer's newer logic on hand-built passages: the case of a
claim after an attribution, corroboration across outlets (one sentence, two citations), older
material told as background, and candidate passages chosen per section goal. The embedding
model and the verifier are the real ones; the passages are hand-made wire items."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.config import Settings
from assistant.drafting.candidates import candidates_for
from assistant.drafting.casing import Casing
from assistant.drafting.generators.base import NumberedPassage, SectionRequest
from assistant.drafting.generators.extractive import (
    ExtractiveGenerator,
    _leans_back,
    as_background,
    attribute,
    corroborates,
    with_markers,
)
from assistant.drafting.house_format import HouseFormat
from assistant.drafting.repair import parse_paragraph
from assistant.models import Citation, Draft, Paragraph, Passage, Section, Sentence, sha256_hex

T0 = datetime(2026, 3, 12, 10, 30, tzinfo=UTC)
TOPIC = "Ceasefire talks in Geneva"


def _passage(i: int, text: str, outlet: str, when: datetime = T0, title: str | None = None):
    return Passage(
        id=f"doc_{i}:0-{len(text)}",
        doc_id=f"doc_{i}",
        lineage_id=f"doc_{i}",
        text=text,
        start=0,
        end=len(text),
        content_hash=sha256_hex(text),
        outlet=outlet,
        kind="outlet",
        title=title,
        published_at=when,
    )


@pytest.fixture(scope="module")
def generator() -> ExtractiveGenerator:
    return ExtractiveGenerator(Settings())


@pytest.fixture(scope="module")
def verifier():
    from assistant.index.embedder import Embedder
    from assistant.verify.verifier import Verifier

    return Verifier(Embedder.for_settings(Settings()))


def _lede_draft(sentences: list[tuple[str, list[int]]], passages: dict[int, Passage]) -> Draft:
    """A draft whose lede is `sentences` (text, markers) citing `passages`."""
    return Draft(
        id="d",
        topic=TOPIC,
        generator="extractive",
        sections=[
            Section(
                id="lede",
                paragraphs=[
                    Paragraph(
                        id="lede-p1",
                        sentences=[Sentence(text=t, citations=ns) for t, ns in sentences],
                    )
                ],
            )
        ],
        citations=[Citation.from_passage(p, n) for n, p in passages.items()],
    )


def _verify(verifier, sentences: list[tuple[str, list[int]]], passages: dict[int, Passage]):
    """The real verifier's verdicts on `sentences` citing `passages` (one draft)."""
    out = verifier.verify_draft(_lede_draft(sentences, passages))
    return [s.verdict for s in out.sections[0].paragraphs[0].sentences], out.metrics


def _composed(
    generator, passages: list[Passage], section: str = "lede", topic: str = TOPIC
) -> list:
    """The section the real extractive composer writes from `passages`, numbered from 1, as
    parsed sentences."""
    numbered = [NumberedPassage(i + 1, p) for i, p in enumerate(passages)]
    spec = HouseFormat.load().section(section)
    paras = generator.compose(SectionRequest(topic=topic, section=spec, passages=numbered))
    return [d for p in paras for d in parse_paragraph(p)]


# --- the case of the claim after "According to X, " --------------------------------------------
SOURCES = [
    "Negotiators met in Geneva on Thursday. Officials said the talks would resume.",
    "NATO leaders arrived in Ankara. Scott Bessent says Washington will retaliate.",
    "Beijing’s latest effort is modelled on American controls. Americans bought fewer cars.",
    "The ministry told Harbour Capital it would comment later.",
]


@pytest.mark.parametrize(
    ("sentence", "lowered"),
    [
        ("Negotiators agreed on a second round.", True),  # a plain common plural
        ("Officials said the talks would resume.", True),  # lower case elsewhere in the sources
        ("Early hints of a slowdown worried investors.", True),
        ("The ministry declined to comment.", True),
        ("NATO leaders arrived in Ankara.", False),  # an acronym
        ("Scott Bessent says Washington will retaliate.", False),  # two capitalised words
        ("Beijing’s latest effort is modelled on American controls.", False),  # a possessive
        ("Americans bought fewer cars.", False),  # a people
        ("Harbour said it would comment later.", False),  # capitalised mid-sentence elsewhere
        ("I think so.", False),
        ("Even if the Russian leader supports a pact, doubts remain.", True),
        ("Despite the ruling, tariffs stay.", True),
        ("Face-to-face talks on Friday will give him a chance.", True),  # read on the archive
        ("Long-term yields rose.", True),
        ("U.S.-led forces moved.", False),
        ("Jean-Pierre Raffarin spoke.", False),
        ("Coca-Cola sold more.", False),
        ("New research shows the importance of credibility.", True),  # read on the archive
        ("New York rallied.", False),
        ("Fed to launch $40bn debt-buying scheme.", False),  # read on the archive: "fed to"
        ("Fees rose.", True),
        ("Two governors are prepared to dissent on Wednesday.", True),  # read on the archive
        ("Three Gorges Dam output fell.", False),
        # a final "-s" alone lowers only the plural of a word (read on the archive: "hamas")
        ("Hamas has held tight control over coverage.", False),
        ("Brussels wants a deal.", False),
        ("Stablecoins are a hot topic.", True),
        ("Thieves took the jewels.", True),
        ("Plus, the Fed's next move.", True),
        # read on the archive: "According to The Wall Street Journal at 19:21 UTC, Ahead of ..."
        ("Ahead of the government’s delayed January jobs report, data points down.", True),
        ("Within a week, prices doubled.", True),
        ("Former President Yoon Suk Yeol is expected to appeal.", True),  # read on the archive
        ("Somebody has to build the data centres.", True),  # read on the archive
        ("Biggest US bank has moved to lock in higher yields.", True),  # read on the archive
        ("Goldman US unit hired.", False),  # no common form: kept
        ("Americans US-wide bought more.", False),
        ("Americans UK sales rose.", False),  # a people before an acronym stays
        ("Booming demand is straining a supply chain.", True),  # read on the archive
        ("Flipping out over bond contracts is common.", True),
        ("Beijing said it would respond.", False),
    ],
)
def test_first_word_is_lowered_after_an_attribution_only_when_it_is_no_name(sentence, lowered):
    assert Casing(SOURCES).lowers(sentence) is lowered


def test_attributed_claim_reads_on_in_lower_case_and_is_still_supported(verifier):
    text = "Negotiators agreed to meet again next week in Geneva, the mediators said."
    p = _passage(1, text, "Harbour")
    out = attribute(text, NumberedPassage(1, p), casing=Casing([text]))
    assert out.startswith("According to Harbour at 10:30 UTC, negotiators agreed")
    (verdict,), metrics = _verify(verifier, [(out, [1])], {1: p})
    assert verdict.label == "supported", verdict.reasons
    kept = attribute("NATO leaders arrived in Ankara.", NumberedPassage(1, p), casing=Casing([]))
    assert kept.endswith(", NATO leaders arrived in Ankara.")


# --- corroboration ------------------------------------------------------------------------------
FT = "Swiss mediators said the ceasefire talks in Geneva will resume on Monday with both delegations."
WSJ = "Swiss mediators said ceasefire talks in Geneva will resume on Monday with both delegations present."


def test_a_near_duplicate_corroborates_only_when_it_says_everything():
    assert corroborates(FT, WSJ)
    assert not corroborates(FT, WSJ.replace("Monday", "Tuesday").replace("Swiss", "Qatari"))
    assert not corroborates("Talks resume with 40 delegates in Geneva on Monday.", WSJ)


def test_two_outlets_reporting_one_fact_give_one_sentence_citing_both(generator, verifier):
    passages = [
        _passage(1, FT + " The delegations arrived late.", "Financial Times"),
        _passage(2, WSJ, "The Wall Street Journal", T0 + timedelta(minutes=5)),
    ]
    sentences = _composed(generator, passages, "body_1")
    fused = [d for d in sentences if len(d.markers) == 2]
    assert len(fused) == 1, [d.text for d in sentences]
    assert sorted(fused[0].markers) == [1, 2]
    assert sum("resume on Monday" in d.text for d in sentences) == 1  # said once
    verdicts, metrics = _verify(
        verifier, [(fused[0].text, fused[0].markers)], {1: passages[0], 2: passages[1]}
    )
    assert verdicts[0].label == "supported" and verdicts[0].overcited == ()
    assert metrics.citation_precision == 1.0


def test_one_outlet_repeating_itself_is_not_corroboration(generator):
    passages = [
        _passage(1, FT, "Financial Times"),
        _passage(2, WSJ, "Financial Times", T0 + timedelta(minutes=5)),
    ]
    sentences = _composed(generator, passages, "body_1")
    assert len(sentences) == 1 and len(sentences[0].markers) == 1


def test_markers_for_two_citations_stay_with_their_sentence():
    assert with_markers("Talks resume.", [2, 5]) == "Talks resume [2][5]."
    (d,) = parse_paragraph(with_markers("Talks resume.", [2, 5]))
    assert d.markers == [2, 5]


# --- background ---------------------------------------------------------------------------------
def test_older_material_follows_the_news_as_background_and_is_supported(generator, verifier):
    old = "Swiss mediators first proposed a ceasefire in Geneva between the two delegations."
    passages = [
        _passage(1, FT, "Financial Times"),
        _passage(2, old, "The Wall Street Journal", T0 - timedelta(days=9)),
        _passage(3, "Both delegations in Geneva brought new maps of the ceasefire line.", "NYT"),
    ]
    sentences = _composed(generator, passages)
    assert len(sentences) == 3
    assert sentences[-1].markers == [2]
    assert sentences[-1].text.startswith("Earlier, on 3 March 2026, Swiss mediators first")
    assert not any(d.text.startswith("Earlier") for d in sentences[:-1])
    verdicts, _ = _verify(
        verifier,
        [(d.text, d.markers) for d in sentences],
        {i + 1: p for i, p in enumerate(passages)},
    )
    assert [v.label for v in verdicts] == ["supported"] * 3, [v.reasons for v in verdicts]


def test_background_prefix_takes_an_attribution_in_lower_case():
    p = _passage(1, "According to officials, talks failed.", "FT", T0)
    assert (
        as_background("According to officials, talks failed.", NumberedPassage(1, p))
        == "Earlier, on 12 March 2026, according to officials, talks failed."
    )


def test_a_pronoun_after_a_short_opening_phrase_leans_back():
    assert _leans_back("In April, they stayed more on the sidelines.")
    assert not _leans_back("In April, imports fell by a fifth.")


# --- candidate passages per section goal -------------------------------------------------------
def test_unprovided_sections_offer_passages_for_their_own_goal_and_never_twice():
    texts = [
        ("Talks resumed in Geneva on Monday.", "news"),
        ("The talks are designed to freeze the front because neither side can advance.", "news"),
        ("It is unclear whether the delegations will sign anything, officials said.", "news"),
        ("The West must decide whether to fund the truce; its credibility is at stake.", "opinion"),
    ]
    offered = [
        NumberedPassage(i + 1, _passage(i + 1, t, "FT", T0 + timedelta(minutes=i)))
        for i, (t, _) in enumerate(texts)
    ]
    genre = {f"doc_{i + 1}": g for i, (_, g) in enumerate(texts)}.get
    house = HouseFormat.load()
    taken: set[str] = set()
    chosen = {}
    for sid in ("structural_frame", "uncertain", "serious_point"):
        cands = candidates_for(house.section(sid), offered, genre, taken=taken)
        chosen[sid] = cands
        taken |= {c.doc_id for c in cands}
    # Each passage goes to the goal it serves best, saying why.
    assert [c.doc_id for c in chosen["structural_frame"]] == ["doc_2"]
    assert '"designed to"' in chosen["structural_frame"][0].why
    assert [c.doc_id for c in chosen["uncertain"]] == ["doc_3"]
    assert '"unclear"' in chosen["uncertain"][0].why
    assert [c.doc_id for c in chosen["serious_point"]] == ["doc_4"]
    assert "opinion item" in chosen["serious_point"][0].why
    assert all(c.doc_id != "doc_1" for cs in chosen.values() for c in cs)  # no goal of theirs
    ids = [c.doc_id for cs in chosen.values() for c in cs]
    assert len(ids) == len(set(ids))
    body = candidates_for(house.section("body_1"), offered, genre, cited={"doc_2"})
    assert [c.doc_id for c in body] == ["doc_1"]


def test_a_leading_connective_is_dropped_unless_the_rest_points_back_too():
    from assistant.drafting.generators.extractive import _drop_connective

    assert (
        _drop_connective("But Trump’s biggest challenge lies ahead in Xi Jinping’s China.")
        == "Trump’s biggest challenge lies ahead in Xi Jinping’s China."
    )
    assert _drop_connective("But it got lucky.") == "But it got lucky."
    assert _drop_connective("Butter prices rose.") == "Butter prices rose."
    assert (
        _drop_connective("So Israel should declare victory and accept a cease-fire.")
        == "Israel should declare victory and accept a cease-fire."
    )
    assert _drop_connective("So far, talks have failed.") == "So far, talks have failed."
    assert _drop_connective("So it goes.") == "So it goes."


# --- opinion and analysis are framing, not fact -------------------------------------------------
def test_every_sentence_of_an_opinion_item_in_the_lede_says_it_is_commentary(generator, verifier):
    """An outlet's news item and its own column in one story: the column's sentences are never
    stated as fact, even though the outlet was already named for the news."""
    news = "Swiss mediators said the ceasefire talks in Geneva will resume on Monday."
    column = (
        "A deeper agenda is driving the Geneva ceasefire talks: self-preservation. "
        "The mediators are right to keep both delegations at the table in Geneva."
    )
    passages = [
        _passage(1, news, "The Wall Street Journal"),
        _passage(
            2,
            column,
            "The Wall Street Journal",
            T0 + timedelta(hours=2),
            title="Opinion | The Geneva talks",
        ),
    ]
    numbered = [NumberedPassage(1, passages[0]), NumberedPassage(2, passages[1], framing=True)]
    spec = HouseFormat.load().section("lede")
    paras = generator.compose(SectionRequest(topic=TOPIC, section=spec, passages=numbered))
    sentences = [d for p in paras for d in parse_paragraph(p)]
    from_column = [d for d in sentences if d.markers == [2]]
    assert len(from_column) == 2, sentences
    # The first says whose it is in full; the next, right after it, briefly.
    assert from_column[0].text.startswith(
        "According to a commentary in The Wall Street Journal at "
    ), from_column
    assert sentences.index(from_column[1]) == sentences.index(from_column[0]) + 1
    assert from_column[1].text.startswith("According to the same commentary, the mediators")
    assert not any("commentary" in d.text for d in sentences if d.markers == [1])
    verdicts, _ = _verify(
        verifier, [(d.text, d.markers) for d in sentences], {1: passages[0], 2: passages[1]}
    )
    assert all(v.label == "supported" for v in verdicts), [v.reasons for v in verdicts]


def test_an_opinion_title_alone_marks_the_item_as_framing():
    p = _passage(1, "Tariffs are a tax on voters.", "FT", title="Opinion | Tariffs")
    out = attribute("Tariffs are a tax on voters.", NumberedPassage(1, p), casing=Casing([]))
    assert out == "According to a commentary in FT at 10:30 UTC, tariffs are a tax on voters."


@pytest.mark.parametrize(
    ("sentence", "leans"),
    [
        ("The gap between those two readings is the subject both leave unresolved.", True),
        ("The meaning of this move is unclear.", True),
        ("The gap between those who earn most and least widened.", False),
        ("The gap between rich and poor widened in 2025.", False),
        ("A vote on the budget is due on Monday.", False),
        ("That’s Not Even the Hard Part.", True),  # a contraction of a pointer
        ("It’s the economy that decides.", True),
        # Read on the archive: "the ruling" is a court's, "the ruling LDP coalition" is no pointer.
        ("The ruling LDP coalition lost its upper house majority.", False),
        ("The ruling party lost its majority.", False),
        ("The ruling was appealed on Monday.", True),
        # An "it" that stands for the clause after it points at nothing before.
        ("It wouldn’t take much for Xi Jinping to cause massive disruptions.", False),
        ("It is unclear whether the talks will resume.", False),
        ("It remains to be seen whether he stays.", False),
        ("It said the talks had failed.", True),
        # Read on the archive (17 December 2025), after the item's own headline.
        ("The president’s announcement further escalates pressure on Maduro.", True),
        ("The president’s approval rating fell to a new low.", False),
        # Read on the archive (2025-06-18, 2025-10-30): an adverb before a pronoun, and a group
        # the sentence counts without naming.
        ("Now he’ll have to decide what to do about it.", True),
        ("Now is the time to act on tariffs.", False),
        ("There he met the prime minister.", True),
        (
            "Tariffs, soybean purchases and a crackdown on fentanyl were among the issues "
            "discussed by the two leaders.",
            True,
        ),
        ("Trump and Xi met in Busan, and the two leaders agreed to a truce.", False),
        ("Both sides claimed victory after the vote.", True),
        # Read on the archive (1 August 2025): a demonstrative inside the sentence.
        ("The tariffs set to go into effect next week will carry out that plan.", True),
        ("Critics say this move would raise prices for shoppers.", True),
        ("Officials warned that deal talks could collapse within days.", False),
        ("Officials said that plan would cost $2 billion.", False),
        ("The bank cut rates this week for the first time since 2020.", False),
        # Read on the archive (29 October 2025, 23 October 2025): a headlinese standfirst that
        # points at its headline with a bare noun.
        ("Statement follows FT reporting on crude purchases on sanctioned vessels.", True),
        ("Measures mark Donald Trump’s first effort to punish energy companies.", True),
        ("Deal volumes fell sharply in the second quarter.", False),
    ],
)
def test_a_noun_phrase_with_a_demonstrative_points_back(sentence, leans):
    assert _leans_back(sentence) is leans


# --- outlets in prose, housekeeping, headline capitals, the lede's opener -----------------------
@pytest.mark.parametrize(
    ("outlet", "prose"),
    [
        ("Financial Times", "the Financial Times"),
        ("Associated Press", "the Associated Press"),
        ("The Wall Street Journal", "The Wall Street Journal"),
        ("The Economist", "The Economist"),
        ("Reuters", "Reuters"),
        ("BBC News", "BBC News"),
    ],
)
def test_an_outlet_reads_with_its_article_in_prose(outlet, prose):
    from assistant.ingest.outlets import in_prose

    assert in_prose(outlet) == prose


def test_an_attribution_to_the_financial_times_has_its_article_and_is_supported(verifier):
    text = "Swiss mediators said the ceasefire talks in Geneva will resume on Monday."
    p = _passage(1, text, "Financial Times")
    out = attribute(text, NumberedPassage(1, p), casing=Casing([text]))
    assert out.startswith("According to the Financial Times at 10:30 UTC, Swiss mediators said")
    (verdict,), _ = _verify(verifier, [(out, [1])], {1: p})
    assert verdict.label == "supported", verdict.reasons


def test_a_newsletters_note_about_itself_is_never_a_headline_or_a_sentence(generator):
    note = "Our next report will be the last one until mid-December."
    passages = [
        _passage(1, note + " " + FT, "Financial Times", title=note),
        _passage(
            2,
            "Geneva ceasefire talks to resume on Monday. " + WSJ,
            "The Wall Street Journal",
            T0 + timedelta(minutes=5),
            title="Geneva ceasefire talks to resume on Monday",
        ),
    ]
    numbered = [NumberedPassage(i + 1, p) for i, p in enumerate(passages)]
    fmt = HouseFormat.load()
    headline = generator.compose(
        SectionRequest(topic=TOPIC, section=fmt.section("headline"), passages=numbered)
    )
    lede = generator.compose(
        SectionRequest(topic=TOPIC, section=fmt.section("lede"), passages=numbered)
    )
    assert headline and "last one" not in headline[0]
    assert lede and not any("last one" in p for p in lede)


def test_a_headline_in_headline_capitals_is_not_a_sentence_of_the_lede(generator):
    title = "Trump Calls Putin the 'More Difficult' Partner in Ending Ukraine War"
    lead = (
        "President Trump said Vladimir Putin had been harder to deal with than Kyiv in the talks."
    )
    passages = [
        _passage(1, f"{title}. {lead}", "The Wall Street Journal", title=title),
        _passage(2, WSJ, "Financial Times", T0 + timedelta(minutes=5)),
    ]
    numbered = [NumberedPassage(i + 1, p) for i, p in enumerate(passages)]
    spec = HouseFormat.load().section("lede")
    paras = generator.compose(
        SectionRequest(topic="Trump and Putin", section=spec, passages=numbered)
    )
    text = " ".join(paras)
    assert "More Difficult" not in text
    assert "harder to deal with" in text


def test_a_short_headline_in_headline_capitals_is_not_a_sentence_of_the_lede(generator):
    """Read on the archive: "According to a commentary in The Wall Street Journal at 19:25 UTC,
    Truth Is Hard to Get in Gaza." (three words of four letters or more escaped the test)."""
    title = "Truth Is Hard to Get in Gaza"
    lead = (
        "Hamas has held tight control over coverage, and the peace plan is unlikely to change that."
    )
    passages = [
        _passage(1, f"{title}. {lead}", "The Wall Street Journal", title=f"Opinion | {title}"),
        _passage(2, WSJ, "Financial Times", T0 + timedelta(minutes=5)),
    ]
    numbered = [NumberedPassage(1, passages[0], framing=True), NumberedPassage(2, passages[1])]
    spec = HouseFormat.load().section("lede")
    paras = generator.compose(
        SectionRequest(topic="Gaza coverage", section=spec, passages=numbered)
    )
    text = " ".join(paras)
    assert "Truth Is Hard" not in text.replace("“Truth Is Hard", "")  # quoted at most
    assert "Hamas has held tight control" in text


def test_the_lede_opens_on_the_latest_news_not_on_what_is_still_unknown(generator):
    news = (
        "Swiss mediators said the ceasefire talks in Geneva will resume on Monday with both sides."
    )
    later = (
        "What remains unknown is whether both delegations in Geneva will accept the ceasefire maps."
    )
    passages = [
        _passage(1, news, "Financial Times"),
        _passage(2, later, "The Wall Street Journal", T0 + timedelta(hours=3)),
    ]
    sentences = _composed(generator, passages)
    assert len(sentences) == 2, sentences
    assert sentences[0].markers == [1] and sentences[1].markers == [2]


def test_the_latest_news_items_own_headline_opens_the_lede_and_its_standfirst_follows(generator):
    """Read on the archive (19 December 2025): the FT's "Japan raises interest rates to highest
    level in 30 years" went to a body section while its standfirst, a detail ("Yields on
    10-year government bonds hit …"), opened the lede."""
    title = "Japan raises interest rates to highest level in 30 years"
    standfirst = (
        "Yields on 10-year government bonds hit highest level since 1990s after central "
        "bank’s fourth rate increase."
    )
    earlier = (
        "Rate rises in Japan ripple through global markets and might even push up the cost of "
        "borrowing in the U.S."
    )
    passages = [
        _passage(1, earlier, "The Wall Street Journal"),
        _passage(
            2, f"{title}. {standfirst}", "Financial Times", T0 + timedelta(hours=6), title=title
        ),
    ]
    passages[1] = passages[1].model_copy(update={"genre": "news"})
    sentences = _composed(generator, passages, topic="Bank of Japan raises interest rates")
    texts = [d.text for d in sentences]
    assert title in texts[0] and "According to the Financial Times" in texts[0], texts
    assert texts[1].startswith("Yields on 10-year"), texts
    assert sentences[2].markers == [1], texts


@pytest.mark.parametrize(
    ("title", "lead", "genre"),
    [
        (
            "Digital dollars must reflect American values",
            "The US needs to preserve its virtues",
            "opinion",
        ),
        ("How I’m staying calm when markets are uncertain", "Are you buying the dip?", "opinion"),
        ("Imagine what would happen if America left the IMF", "Withdrawal would hurt", "opinion"),
        ("Why Rio Tinto walked away from Glencore", "Merger talks collapsed", "analysis"),
        ("A warning from US factories", "And QE by bank", "newsletter"),
        (
            "EU must pay up to €5.6bn a year in interest if no agreement on Russian assets, Brussels warns",
            "Choices for Ukraine funding set out in commission document",
            "news",
        ),
        (
            "Trump to Rename Veterans Day in Tribute to World War I Victory",
            "He also named May 8",
            "news",
        ),
        (
            "Before Any Strike on Iran, U.S. Needs to Bolster Air Defenses",
            "The Pentagon acts",
            "news",
        ),
        (
            "Chinese bitcoin fugitive jailed in UK over Ponzi scheme",
            "Zhimin Qian sentenced",
            "news",
        ),
        (
            "Bank of England governor distances himself from Rachel Reeves’ attack on regulators",
            "Andrew Bailey insists ‘we can’t compromise on basic financial stability’",
            "news",
        ),
        (  # read on the archive: its "need to" made it a column
            "Federal Reserve officials expect they will need to resume lowering interest rates "
            "eventually—they just aren’t ready to do so Wednesday",
            "Officials are split into three camps over what economic evidence they need",
            "news",
        ),
        (  # a column sets up the forecasts it argues with: only the title's count
            "Tariffs were going to fix the economy, or tank it, depending on who you asked. "
            "They were all wrong.",
            "The president predicted a manufacturing renaissance. Economists forecast recession "
            "and runaway inflation. None of it has come to pass.",
            "opinion",
        ),
    ],
)
def test_a_sentence_case_items_wording_marks_its_genre(title, lead, genre):
    from assistant.ingest.genre import guess_genre

    assert guess_genre(title, "https://www.ft.com/content/x", (), lead=lead) == genre


def test_the_dek_is_never_background_and_an_earlier_days_sentence_is_dated(generator, verifier):
    old = "Swiss mediators first proposed a ceasefire in Geneva between the two delegations."
    day_before = "Both delegations in Geneva brought new maps of the ceasefire line to the talks."
    passages = [
        _passage(
            1,
            "Geneva talks resume on Monday. " + FT,
            "Financial Times",
            title="Geneva talks resume on Monday",
        ),
        _passage(
            2,
            "Mediators first proposed a Geneva ceasefire. " + old,
            "The Wall Street Journal",
            T0 - timedelta(days=9),
            title="Mediators first proposed a Geneva ceasefire",
        ),
        _passage(3, day_before, "Financial Times", T0 - timedelta(days=1)),
    ]
    numbered = [NumberedPassage(i + 1, p) for i, p in enumerate(passages)]
    fmt = HouseFormat.load()
    dek = generator.compose(
        SectionRequest(topic=TOPIC, section=fmt.section("dek"), passages=numbered)
    )
    assert not any("[2]" in p for p in dek), dek
    lede = generator.compose(
        SectionRequest(topic=TOPIC, section=fmt.section("lede"), passages=numbered)
    )
    sentences = [d for p in lede for d in parse_paragraph(p)]
    from_day_before = [d for d in sentences if d.markers == [3]]
    assert from_day_before, sentences
    # The FT was named for today's news, so its day-old sentence is dated instead.
    assert from_day_before[0].text.startswith("Earlier, on 11 March 2026, both delegations"), (
        sentences
    )
    verdicts, _ = _verify(
        verifier,
        [(d.text, d.markers) for d in sentences],
        {i + 1: p for i, p in enumerate(passages)},
    )
    assert all(v.label == "supported" for v in verdicts), [v.reasons for v in verdicts]


def test_a_headline_in_capitals_is_quoted_never_told_as_a_sentence(generator, verifier):
    headline = "Swiss Mediators Propose Geneva Ceasefire Between the Two Delegations"
    item = f"{headline}. The move came hours after the shelling stopped."
    spec = HouseFormat.load().section("lede")

    def compose(when: datetime) -> tuple[list, list[Passage]]:
        passages = [
            _passage(1, FT, "Financial Times"),
            _passage(2, item, "The Wall Street Journal", when, title=headline),
        ]
        numbered = [NumberedPassage(i + 1, p) for i, p in enumerate(passages)]
        paras = generator.compose(SectionRequest(topic=TOPIC, section=spec, passages=numbered))
        return [d for p in paras for d in parse_paragraph(p)], passages

    sentences, _ = compose(T0)
    # Never a slogan among sentences: today's is quoted, after the news (its standfirst leans
    # back, so the headline is all the item has to tell).
    assert [d.text for d in sentences if "Swiss Mediators" in d.text] == [
        f"The Wall Street Journal reported under the headline “{headline}”."
    ]
    assert "Swiss Mediators" not in sentences[0].text
    sentences, passages = compose(T0 - timedelta(days=9))
    quoted = [d for d in sentences if d.markers == [2]]
    # The standfirst that leans on the headline reads right after it, and only there.
    assert [d.text for d in quoted] == [
        "Earlier, on 3 March 2026, The Wall Street Journal reported under the headline "
        f"“{headline}”.",
        "The move came hours after the shelling stopped.",
    ]
    assert sentences[-2:] == quoted  # background follows the news
    verdicts, _ = _verify(
        verifier,
        [(d.text, d.markers) for d in sentences],
        {i + 1: p for i, p in enumerate(passages)},
    )
    assert all(v.label == "supported" for v in verdicts), [v.reasons for v in verdicts]
    # The headline form is checked: a headline the source never ran is not supported.
    wrong = quoted[0].text.replace("Swiss", "French")
    verdicts, _ = _verify(verifier, [(wrong, [2])], {2: passages[1]})
    assert verdicts[0].label != "supported"


def test_a_lede_is_not_left_empty_when_the_topic_is_worded_far_from_every_sentence(generator):
    """Archive, 28 April 2025: "The spectre of dollar doomsday still looms" clustered with an item
    whose only standfirst is below the topic-relevance floor; the lede was empty."""
    story = _passage(
        1,
        "The president’s turnover of the economic order has unleashed changes that could prove "
        "lasting, because partners are rewiring their supply chains.",
        "The New York Times",
    )
    spec = HouseFormat.load().section("lede")
    request = SectionRequest(
        topic="The spectre of dollar doomsday still looms",
        section=spec,
        passages=[NumberedPassage(1, story)],
    )
    assert generator.choose(request)  # below the floor, but the story's only sentence
    body = HouseFormat.load().section("body_1")
    request = SectionRequest(topic=request.topic, section=body, passages=request.passages)
    assert not generator.choose(request)  # a body section keeps the floor


def test_an_earlier_headline_is_not_quoted_when_its_own_standfirst_is_told(generator):
    """Read on the archive: "Earlier, on 21 April 2025, Moscow said it was pleased ..." followed
    by the same item's headline in quotation said the same thing twice."""
    headline = "Swiss Mediators Propose Geneva Ceasefire Between the Two Delegations"
    standfirst = (
        "Swiss mediators proposed a ceasefire line to both delegations in Geneva on Monday."
    )
    old = _passage(
        2, f"{headline}. {standfirst}", "The Wall Street Journal", T0 - timedelta(days=9), headline
    )
    numbered = [NumberedPassage(1, _passage(1, FT, "Financial Times")), NumberedPassage(2, old)]
    spec = HouseFormat.load().section("lede")
    paras = generator.compose(SectionRequest(topic=TOPIC, section=spec, passages=numbered))
    told = [d.text for p in paras for d in parse_paragraph(p) if d.markers == [2]]
    assert told == [
        "Earlier, on 3 March 2026, Swiss mediators proposed a ceasefire line to "
        "both delegations in Geneva on Monday."
    ]


def test_a_dek_from_an_opinion_item_says_whose_it_is(generator, verifier):
    """Read on the archive: "*Iran Is Trump’s Deterrence Moment [2].*", a WSJ column's
    headline, stood as the dek of a news story in the draft's own voice."""
    headline = "Mediators Are Right to Keep Both Delegations in Geneva"
    news = _passage(
        1,
        "Geneva Talks Resume as Mediators Offer New Ceasefire Maps. Swiss mediators said the "
        "ceasefire talks in Geneva will resume on Monday.",
        "The Wall Street Journal",
        title="Geneva Talks Resume as Mediators Offer New Ceasefire Maps",
    )
    column = _passage(
        2,
        f"{headline}. The ceasefire in Geneva deserves patience from both delegations.",
        "The Wall Street Journal",
        T0 + timedelta(hours=2),
        title=f"Opinion | {headline}",
    )
    numbered = [NumberedPassage(1, news), NumberedPassage(2, column, framing=True)]
    spec = HouseFormat.load().section("dek")
    request = SectionRequest(
        topic=TOPIC,
        section=spec,
        passages=numbered,
        previous=["Geneva Talks Resume as Mediators Offer New Ceasefire Maps"],
    )
    dek = [d for p in generator.compose(request) for d in parse_paragraph(p)]
    assert len(dek) == 1 and dek[0].markers == [2], dek
    assert dek[0].text == (
        f"A commentary in The Wall Street Journal ran under the headline “{headline}”."
    )
    verdicts, _ = _verify(verifier, [(dek[0].text, [2])], {2: column})
    assert verdicts[0].label == "supported", verdicts[0].reasons
    # Said of the news item, the same words are not what the column's headline was.
    wrong = dek[0].text.replace("Right", "Wrong")
    verdicts, _ = _verify(verifier, [(wrong, [2])], {2: column})
    assert verdicts[0].label != "supported"


@pytest.mark.parametrize(
    ("sentence", "usable"),
    [
        ("“I could hear gunfire all around.”", False),  # read on the archive, speaker unknown
        ("‘A Hamas leader told him he would have a better chance of being freed.’", False),
        ("“We will win,” the minister said on Monday night.", True),
        ("Officials said “talks failed” on Monday night in Geneva.", True),
    ],
)
def test_a_quotation_without_its_speaker_is_no_sentence_of_the_draft(sentence, usable):
    from assistant.drafting.generators.extractive import _usable

    assert _usable(sentence, "newest", False, 60) is usable


def test_an_earlier_days_question_is_not_told_as_earlier_news(generator):
    """Read on the archive: "Earlier, on 23 October 2025, will America’s new sanctions on
    Russian oil force a peace deal?"."""
    today = _passage(1, FT, "Financial Times")
    question = "Will the Geneva ceasefire talks bring a deal that both delegations accept?"
    earlier = _passage(
        2,
        f"{question} Negotiators in Geneva agreed a framework for a ceasefire that both "
        "delegations endorsed.",
        "The Economist",
        T0 - timedelta(days=1),
        title=question,
    )
    spec = HouseFormat.load().section("uncertain")  # the one section that takes questions
    request = SectionRequest(
        topic=TOPIC,
        section=spec,
        passages=[NumberedPassage(1, today), NumberedPassage(2, earlier)],
        previous=[FT],
    )
    texts = [d.text for p in generator.compose(request) for d in parse_paragraph(p)]
    assert not any(question[1:] in t for t in texts), texts
    # Today's question still stands in it.
    asked = _passage(3, question, "The Economist", T0, title=question)
    request = SectionRequest(
        topic=TOPIC, section=spec, passages=[NumberedPassage(1, today), NumberedPassage(2, asked)]
    )
    texts = [d.text for p in generator.compose(request) for d in parse_paragraph(p)]
    assert any(t.startswith(question[:-1]) for t in texts), texts


def test_an_earlier_headline_is_not_quoted_when_a_section_above_told_its_item(generator):
    """Read on the archive (28 November 2025): the lede told a WSJ item's standfirst as
    background, and the next section quoted the same item's headline, saying it twice."""
    headline = "Swiss Mediators Propose Geneva Ceasefire Between the Two Delegations"
    standfirst = "Mediators put forward a ceasefire text that both delegations will study."
    item = _passage(
        2,
        f"{headline}. {standfirst} The move came hours after the shelling stopped.",
        "The Wall Street Journal",
        T0 - timedelta(days=7),
        headline,
    )
    request = SectionRequest(
        topic=TOPIC,
        section=HouseFormat.load().section("body_1"),
        passages=[
            NumberedPassage(1, _passage(1, FT, "Financial Times")),
            NumberedPassage(2, item),
        ],
        previous=[FT, f"Earlier, on 5 March 2026, {standfirst[0].lower()}{standfirst[1:]}"],
    )
    texts = [d.text for p in generator.compose(request) for d in parse_paragraph(p)]
    assert not any("Swiss Mediators" in t for t in texts), texts


def test_a_statement_headline_wins_over_a_question_even_on_the_topic(generator):
    """Read on the archive: "Is China winning the innovation race?", an FT explainer's hook,
    headed a draft although the story held a news headline. A question is the last resort."""
    question = "Will the Geneva ceasefire talks end the war?"
    statement = "Geneva ceasefire talks to resume on Monday"
    passages = [
        _passage(1, f"{question} {FT}", "Financial Times", title=question),
        _passage(
            2,
            f"{statement}. {WSJ}",
            "The Wall Street Journal",
            T0 + timedelta(minutes=5),
            title=statement,
        ),
    ]
    numbered = [NumberedPassage(i + 1, p) for i, p in enumerate(passages)]
    spec = HouseFormat.load().section("headline")
    (headline,) = generator.compose(
        SectionRequest(
            topic="Will the ceasefire talks end the war?", section=spec, passages=numbered
        )
    )
    assert headline.startswith(statement), headline
    # With nothing but the question, the question it is.
    (only,) = generator.compose(SectionRequest(topic=TOPIC, section=spec, passages=numbered[:1]))
    assert only.startswith(question[:-1]), only
    # Among columns alone the question competes as any headline: on the topic, it wins.
    columns = [
        NumberedPassage(
            np_.n,
            np_.passage.model_copy(update={"title": f"Opinion | {np_.passage.title}"}),
            framing=True,
        )
        for np_ in numbered
    ]
    (column,) = generator.compose(
        SectionRequest(
            topic="Will the ceasefire talks end the war?", section=spec, passages=columns
        )
    )
    assert column.startswith(question[:-1]), column


def test_a_sentence_that_leans_back_follows_the_one_it_leans_on(generator, verifier):
    """Read on the archive: "In April, they stayed more on the sidelines." and "It got lucky
    when that threat blew up ..." were never told, since a pointer back cannot stand alone;
    right after the sentence it points at, from the same passage, it reads as the source
    told it, and the draft has no dangling opener."""
    from assistant.audit import dangling_openers

    wsj = (
        "Businesses had rushed to get ahead of the ceasefire tariffs in Geneva in March. "
        "In April, they stayed more on the sidelines of the Geneva talks. "
        "Is this the end of the rush?"
    )
    ft = "Swiss mediators said the ceasefire talks in Geneva will resume on Monday with both sides."
    passages = [
        _passage(1, ft, "Financial Times", T0 + timedelta(hours=3)),
        _passage(2, wsj, "The Wall Street Journal"),
    ]
    sentences = _composed(generator, passages)
    texts = [s.text for s in sentences]
    follower = next(i for i, t in enumerate(texts) if t.startswith("In April, they stayed"))
    assert "ahead of the ceasefire tariffs" in texts[follower - 1]
    assert sentences[follower].markers == sentences[follower - 1].markers == [2]
    assert not any("Is this the end" in t for t in texts)  # a question never follows
    verdicts, _ = _verify(
        verifier,
        [(s.text, s.markers) for s in sentences],
        {i + 1: p for i, p in enumerate(passages)},
    )
    assert all(v.label == "supported" for v in verdicts), verdicts
    draft = _lede_draft(
        [(s.text, s.markers) for s in sentences], {i + 1: p for i, p in enumerate(passages)}
    )
    assert dangling_openers(draft) == []


def test_a_follower_is_new_and_follows_a_told_sentence_or_a_quoted_headline():
    """A follower is a new, usable sentence of the same passage, after a told sentence or a
    quoted headline (read on the archive, 30 October 2025: "... under the headline “What to
    Know About Trump's Trade Deal With China's Xi” [2]. Tariffs, soybean purchases and a
    crackdown on fentanyl were among the issues discussed by the two leaders [2].")."""
    from assistant.drafting.generators.extractive import _Candidate

    text = "Rates were cut in Geneva on Monday by the bank. It said more cuts may follow this year."
    np_ = NumberedPassage(1, _passage(1, text, "Financial Times"))
    told = _Candidate(n=1, np=np_, order=0, text=text.split(". ")[0] + ".", words=10)
    quoted = _Candidate(n=1, np=np_, order=0, text=told.text, words=10, quoted=True)
    assert ExtractiveGenerator.followers([told]) == {
        id(told): "It said more cuts may follow this year."
    }
    assert ExtractiveGenerator.followers([quoted]) == {
        id(quoted): "It said more cuts may follow this year."
    }
    assert ExtractiveGenerator.followers([told], ["It said more cuts may follow this year."]) == {}
    last = _Candidate(n=1, np=np_, order=1, text="It said more cuts may follow this year.", words=8)
    assert ExtractiveGenerator.followers([last]) == {}  # nothing after the passage's last


def test_no_half_of_a_title_cut_at_its_question_mark_is_a_dek_or_a_lede_sentence(generator):
    """Read on the archive: the splitter cuts "What's Israel's Next Move? Some Call for Full
    Takeover of Gaza" in two, and the second half stood as the dek with a full stop added."""
    title = "What’s Israel’s Next Move? Some Call for Full Takeover of Gaza"
    text = (
        f"{title}. President Trump has signaled that Israel might have to take a new approach "
        "to its war with Hamas in Gaza."
    )
    other = (
        "Israel should declare victory in Gaza and accept a cease-fire that returns the hostages."
    )
    passages = [
        _passage(1, text, "The Wall Street Journal", title=title),
        _passage(2, other, "Financial Times", T0 + timedelta(hours=1)),
    ]
    numbered = [NumberedPassage(i + 1, p) for i, p in enumerate(passages)]
    fmt = HouseFormat.load()
    told = []
    for sid in ("dek", "lede"):
        request = SectionRequest(
            topic="Israel's next move in Gaza", section=fmt.section(sid), passages=numbered
        )
        told += [d.text for p in generator.compose(request) for d in parse_paragraph(p)]
    assert told, "the dek and the lede tell the standfirsts"
    assert not any("Some Call for Full Takeover" in t for t in told), told
    assert not any(t.startswith("What’s Israel’s Next Move") for t in told), told


def test_the_workspaces_wording_decides_a_word_the_story_never_writes_mid_sentence():
    """Read on the archive: "According to the Financial Times at 15:17 UTC, Bond markets are
    losing patience ..." kept its capital, since its one-item story never wrote "bond" in lower
    case; the workspace's other items do. A word they write mostly capitalised stays a name."""
    from assistant.drafting.casing import WordUsage

    usage = WordUsage(
        [
            "Yields rose as the bond market sold off. Investors fled the bond market again.",
            "Traders said the bond rally faded. Shares of Wells rose, and Wells said it would hire.",
            "Analysts at Wells expect more. A drop in oil followed. Apple said an apple a day.",
            "A sharp fall followed. Then came a sharp rise.",
        ]
    )
    story = ["Bond markets are losing patience with political paralysis."]
    assert not Casing(story).lowers("Bond markets are losing patience.")  # the story is silent
    assert Casing(story, usage=usage).lowers("Bond markets are losing patience.")
    # "Wells" reads as the plural of "well" by its form; the workspace writes it as a name.
    assert Casing([]).lowers("Wells said it would hire more bankers.")
    assert not Casing([], usage=usage).lowers("Wells said it would hire more bankers.")
    assert usage.common("apple") is None  # one use of each: too few, and split
    assert usage.common("drop") is None  # one use: too few
    # Two uses, both lower case and none capitalised: common ("Sharp climb in Tokyo's bond
    # yields ..." read on the archive, in a workspace that wrote "sharp" twice).
    assert usage.common("sharp") is True
    assert Casing([], usage=usage).lowers("Sharp climb in Tokyo’s bond yields has potential.")
    assert not Casing(["A legal fight.", "Legal advice."], usage=usage).lowers(
        "Legal & General merges divisions."
    )
    # The story's own evidence comes first: a word it capitalises mid-sentence is a name.
    assert not Casing(["Shares of Bond rose."], usage=usage).lowers("Bond rose again on Monday.")


def test_the_drafter_reads_the_workspaces_wording_once_per_ingest(service, tmp_path):
    first_file = tmp_path / "wire.txt"
    first_file.write_text(
        "Negotiators met in Geneva on Thursday. The talks would resume, the officials said, "
        "and the mediators in the city would stay.",
        encoding="utf-8",
    )
    assert not service.ingest([first_file]).failed
    drafter = service.drafter
    first = drafter.usage()
    assert first.common("the") is True and first is drafter.usage()  # cached
    assert service.store.recent_texts(1)  # the newest item's text
    assert first.common("zebrafinch") is None
    extra = tmp_path / "note.txt"
    extra.write_text(
        "The zebrafinch count rose. A zebrafinch survey followed, and zebrafinch numbers fell.",
        encoding="utf-8",
    )
    assert not service.ingest([extra]).failed
    second = drafter.usage()
    assert second is not first and second.common("zebrafinch") is True


def test_a_title_the_dek_quoted_is_not_told_again_in_the_lede(generator):
    """Read on the archive: under the dek "A commentary in the Financial Times ran under the
    headline “The great inversion on emerging markets”", the lede told "According to a
    commentary ..., the great inversion on emerging markets." as a sentence."""
    title = "The great inversion on emerging markets"
    column = _passage(
        1,
        f"{title}. Market and economic trends are challenging the idea that EM bonds in Geneva "
        "should trade at a discount.",
        "Financial Times",
        title=title,
    )
    numbered = [NumberedPassage(1, column)]
    dek = f"A commentary in the Financial Times ran under the headline “{title}” [1]."
    spec = HouseFormat.load().section("lede")
    request = SectionRequest(
        topic="Emerging market bonds", section=spec, passages=numbered, previous=[dek]
    )
    told = [d.text for p in generator.compose(request) for d in parse_paragraph(p)]
    assert told and not any("great inversion" in t for t in told), told


def test_an_earlier_items_second_sentence_is_not_dated_again(generator, verifier):
    """Read on the archive: "Earlier, on 10 December 2025, US seizes oil tanker off Venezuelan
    coast [4]. Earlier, on 10 December 2025, oil price jumps ... [4]": one item's headline and
    standfirst, told in a row, the second dated again."""
    old = (
        "Swiss mediators first proposed a ceasefire in Geneva between the two delegations. "
        "The ceasefire proposal in Geneva drew cautious replies from both delegations' capitals."
    )
    passages = [
        _passage(1, FT, "Financial Times"),
        _passage(2, old, "The Wall Street Journal", T0 - timedelta(days=9)),
    ]
    sentences = _composed(generator, passages)
    earlier = [d for d in sentences if d.markers == [2]]
    assert len(earlier) == 2, sentences
    assert earlier[0].text.startswith("Earlier, on 3 March 2026, ")
    assert not earlier[1].text.startswith("Earlier"), earlier
    assert sentences.index(earlier[1]) == sentences.index(earlier[0]) + 1
    verdicts, _ = _verify(
        verifier,
        [(d.text, d.markers) for d in sentences],
        {i + 1: p for i, p in enumerate(passages)},
    )
    assert all(v.label == "supported" for v in verdicts), [v.reasons for v in verdicts]


def test_one_outlet_saying_the_same_in_fewer_words_is_a_twin():
    """Read on the archive: a lede told "EU industry chief says bloc is becoming ‘collateral
    damage’ in race to secure rare earth minerals" and then, from the same outlet, "EU fears
    becoming ‘collateral damage’ in race to secure rare earth minerals"."""
    from assistant.drafting.generators.extractive import _Candidate

    long = "EU industry chief says bloc is becoming ‘collateral damage’ in race to secure rare earth minerals."
    short = "EU fears becoming ‘collateral damage’ in race to secure rare earth minerals."
    other = "EU plans minerals stockpile centre to stop US snapping up supplies."

    def cand(i: int, text: str, outlet: str) -> _Candidate:
        np_ = NumberedPassage(i, _passage(i, text, outlet))
        return _Candidate(n=i, np=np_, order=i * 1000, text=text, words=len(text.split()))

    a, b = cand(1, long, "Financial Times"), cand(2, short, "Financial Times")
    assert ExtractiveGenerator._twins(a, b, sim=0.8)
    assert not ExtractiveGenerator._twins(a, cand(3, other, "Financial Times"), sim=0.6)


def test_a_sentence_after_a_dated_attribution_of_its_item_is_not_told_as_earlier(generator):
    """Read on the archive: "According to the Financial Times at 23:29 UTC on 10 December 2025,
    oil price jumps ... [3]. Earlier, on 10 December 2025, US seizes oil tanker ... [3]": the
    same item's headline, told as if it were older than its standfirst."""
    yesterday = (
        "Swiss mediators first proposed a ceasefire in Geneva between the two delegations. "
        "The ceasefire proposal in Geneva drew cautious replies from both delegations' capitals."
    )
    passages = [
        _passage(1, FT, "Financial Times", T0 + timedelta(days=1)),
        _passage(2, yesterday, "The Wall Street Journal", T0),
    ]
    sentences = _composed(generator, passages)
    older = [d for d in sentences if d.markers == [2]]
    assert len(older) == 2, sentences
    assert older[0].text.startswith("According to The Wall Street Journal at 10:30 UTC on 12 March")
    assert not older[1].text.startswith("Earlier"), older


def test_a_title_that_names_a_piece_is_quoted_never_told_as_a_statement(generator):
    """Read on the archive (5 February 2026): "Earlier, on 4 February 2026, how the Bank of
    England can improve its decision-making [3]." An FT title in sentence case that names a
    piece ("How ...", "Why ...", "Inside ...") is no fact: told at all, it is quoted."""
    from assistant.drafting.generators.extractive import _headline_phrase

    news = _passage(
        1,
        "Bank of England holds rates but signals it is likely to cut again. The U.K. central "
        "bank indicated another cut to its rates could follow in the coming months.",
        "The Wall Street Journal",
    )
    title = "How the Bank of England can improve its decision-making"
    item = f"{title}. New role gives the central bank the opportunity to expand its committee."
    old = _passage(2, item, "Financial Times", T0 - timedelta(days=9), title)
    numbered = [NumberedPassage(1, news), NumberedPassage(2, old)]
    fmt = HouseFormat.load()
    for sid in ("lede", "body_1"):
        cands = generator._candidates(numbered, fmt.section(sid), [])
        assert any("opportunity to expand" in c.text for c in cands)  # the item is there
        as_title = [c for c in cands if c.text.startswith("How the Bank")]
        assert as_title and all(c.quoted for c in as_title), [(c.text, c.quoted) for c in cands]
    cands = generator._candidates(numbered, fmt.section("dek"), [])
    assert not any(c.text.startswith("How the Bank") for c in cands)
    # A column's title stays a dek candidate: the dek quotes it as the column's headline.
    column = [NumberedPassage(1, news), NumberedPassage(2, old, framing=True)]
    cands = generator._candidates(column, fmt.section("dek"), [])
    assert any(c.text.startswith("How the Bank") for c in cands)
    # A title that is a whole sentence keeps being one, and so does a question.
    assert _headline_phrase(title)
    assert _headline_phrase("Inside the knotty economics of the world’s most profitable ETF")
    assert not _headline_phrase(
        "When President Trump slapped tariffs on nations, many economists feared a slump."
    )
    assert not _headline_phrase("How far will the Fed go?")


def test_a_headline_with_abbreviations_counts_words_as_an_editor_does():
    """Read on the archive (19 February 2026): "U.S. Gathers the Most Air Power in the Mideast
    Since the 2003 Iraq Invasion" (14 words) was no headline candidate, counted as 15 words
    ("U", "S"), and a commentary's title headed the news story."""
    from assistant.drafting.generators.extractive import _headline_form

    title = "U.S. Gathers the Most Air Power in the Mideast Since the 2003 Iraq Invasion."
    assert _headline_form(title) == title.rstrip(".")
    assert _headline_form(title.replace("Invasion", "Invasion of Kuwait and Beyond")) is None


def test_a_dek_quotes_the_storys_column_rather_than_take_the_ledes_only_news(generator):
    """Read on the archive (28 November 2025): the dek took the news item's standfirst, the
    column's headline fell below the relative bar that standfirst set, and the lede was left
    with the column's line alone. A column that story assembly put in the story is on topic."""
    news = _passage(
        1,
        "Zelensky’s Top Aide Resigns as Corruption Probe Deepens. The departure of Ukraine’s "
        "top negotiator—the president’s right-hand man Andriy Yermak—comes at a pivotal moment "
        "for the country.",
        "The Wall Street Journal",
        title="Zelensky’s Top Aide Resigns as Corruption Probe Deepens",
    )
    column = _passage(
        2,
        "Ukraine Corruption and U.S. Interests. Kyiv’s critics see an excuse to abandon our "
        "strategic partner.",
        "The Wall Street Journal",
        T0 + timedelta(hours=4),
        title="Ukraine Corruption and U.S. Interests",
    )
    topic = "Zelensky’s Top Aide Resigns as Corruption Probe Deepens"
    previous = ["Zelensky’s Top Aide Resigns as Corruption Probe Deepens"]  # the headline
    dek = HouseFormat.load().section("dek")

    def chosen(framing: bool) -> str:
        numbered = [NumberedPassage(1, news), NumberedPassage(2, column, framing=framing)]
        request = SectionRequest(topic=topic, section=dek, passages=numbered, previous=previous)
        return generator.choose(request)[0].text

    assert chosen(framing=True).startswith("Ukraine Corruption and U.S. Interests")
    # Not known to be part of the story, the column's off-topic title stays out.
    assert chosen(framing=False).startswith("The departure of Ukraine")


def test_a_labelled_title_cut_in_two_is_not_told_in_halves(generator):
    """Read on the archive (12 February 2026): the WSJ column "Opinion | Hurrah! Europe Is
    Fighting Over Economic Policy" opens its text without the label, so the second half of the
    title was not known as such: "According to the same commentary, Europe Is Fighting Over
    Economic Policy." """
    title = "Opinion | Hurrah! Europe Is Fighting Over Economic Policy"
    text = (
        "Hurrah! Europe Is Fighting Over Economic Policy. The Continent’s inertia is carrying "
        "it toward serious crisis—and leaders are finally facing that reality."
    )
    column = NumberedPassage(1, _passage(1, text, "The Wall Street Journal", title=title), True)
    for sid in ("lede", "body_1"):
        cands = generator._candidates([column], HouseFormat.load().section(sid), [])
        assert not any(c.text.startswith("Europe Is Fighting") for c in cands), cands
        assert any(c.text.startswith("The Continent’s inertia") for c in cands)


def test_a_headlines_question_is_never_told_as_the_drafts_own(generator):
    """Read on the archive (12 February 2026): "What is Nuveen and why is it buying Schroders?"
    stood alone as "What remains genuinely uncertain". An explainer's or a column's headline
    question is a hook; the section offers it to the editor instead."""
    title = "What is Nuveen and why is it buying Schroders?"
    text = f"{title} US asset manager has swooped on one of London’s most historic names."
    explainer = NumberedPassage(1, _passage(1, text, "Financial Times", title=title))
    cands = generator._candidates([explainer], HouseFormat.load().section("uncertain"), [])
    assert not any(c.text == title for c in cands), cands
    # A column's headline question is its hook, whatever its form.
    hook = "Is Help Still on the Way for Iranian Protesters?"
    text = f"{hook} The regime has cut the internet again, and the streets are quiet."
    column = NumberedPassage(1, _passage(1, text, "The Wall Street Journal", title=hook), True)
    cands = generator._candidates([column], HouseFormat.load().section("uncertain"), [])
    assert not any(c.text == hook for c in cands), cands
    asked = "Will the truce in Gaza hold through the winter?"
    text = f"{asked} Both sides accuse each other of breaking it."
    news = NumberedPassage(1, _passage(1, text, "Financial Times", title=asked))
    cands = generator._candidates([news], HouseFormat.load().section("uncertain"), [])
    assert any(c.text == asked for c in cands), cands  # a news item's yes-or-no question
    # A question inside the text (not its headline) may still say what is open.
    inner = "Talks resumed on Monday. Whether the truce will hold is unclear?"
    other = NumberedPassage(2, _passage(2, f"Geneva talks resume. {inner}", FT, title="Geneva"))
    cands = generator._candidates([other], HouseFormat.load().section("uncertain"), [])
    assert any(c.text.endswith("unclear?") for c in cands), cands


def test_a_sentence_told_above_in_other_words_is_not_told_again(generator):
    """Read on the archive (24 October 2025): the lede told "According to The Wall Street
    Journal at 09:30 UTC, the U.S. is betting $20 billion that ..." and a body section the same
    item's other feed copy, "The Trump administration is betting $20 billion that ..., writes
    WSJ's Greg Ip": the attribution prefix kept the two apart."""
    told = (
        "According to The Wall Street Journal at 09:30 UTC, the U.S. is betting $20 billion that "
        "with time and support, President Javier Milei can fix Argentina’s economy once and for all."
    )
    again = (
        "The Trump administration is betting $20 billion that with time and support, President "
        "Javier Milei can fix Argentina’s economy once and for all, writes WSJ’s Greg Ip."
    )
    other = "Argentina’s peso fell 3% on Friday as investors doubted the rescue would last."
    p = NumberedPassage(1, _passage(1, f"{again} {other}", "The Wall Street Journal"))
    cands = generator._candidates([p], HouseFormat.load().section("body_1"), [told])
    assert [c.text for c in cands] == [other]


def _assert_earlier_title_quoted(generator, title: str, text: str, outlet: str, days: int):
    """An item of `days` before, whose text opens with `title`, offers its title to a body
    section only as a quoted headline."""
    old = _passage(2, text, outlet, T0 - timedelta(days=days), title)
    numbered = [NumberedPassage(1, _passage(1, FT, "Financial Times")), NumberedPassage(2, old)]
    cands = generator._candidates(numbered, HouseFormat.load().section("body_1"), [])
    as_title = [c for c in cands if c.text.startswith(title[:20])]
    assert as_title and all(c.quoted for c in as_title)


def _candidate_texts(generator, text: str, section: str = "body_1") -> list[str]:
    """What the composer would consider telling from one passage holding `text`."""
    p = NumberedPassage(1, _passage(1, text, "Financial Times"))
    return [c.text for c in generator._candidates([p], HouseFormat.load().section(section), [])]


def test_headline_capitals_with_small_words_in_lower_case_are_a_headline(generator):
    """Read on the archive (20 February 2026): "Earlier, on 17 February 2026, Britain's
    Monarchy Can't Escape the Shadow of the Epstein Scandal [3]." Two "the" in lower case kept
    the title under the capitals bar, so it was told as a sentence; it is quoted now."""
    from assistant.text import title_case

    title = "Britain’s Monarchy Can’t Escape the Shadow of the Epstein Scandal"
    assert not title_case(title, min_letters=3) and title_case(title, min_letters=3, minor=True)
    assert not title_case("The court ruled on the case of the former prince.", 3, minor=True)
    text = f"{title}. Emails show the extent of the financier’s relations with the royals."
    _assert_earlier_title_quoted(generator, title, text, "The Wall Street Journal", days=3)


def test_a_labelled_colon_title_is_quoted_never_told_as_a_sentence(generator):
    """Read on the archive (18 December 2025): "Earlier, on 13 December 2025, sanctions and
    seizures: Trump turns up the heat on Venezuela [4]." A "label: headline" title is a
    headline's form; told at all, it is quoted."""
    from assistant.drafting.generators.extractive import _colon_title

    title = "Sanctions and seizures: Trump turns up the heat on Venezuela"
    text = f"{title}. Washington shifts its campaign against Maduro as strikes face scrutiny."
    _assert_earlier_title_quoted(generator, title, text, "Financial Times", days=5)
    assert not _colon_title("The bank said on Monday that rates would rise: a surprise.")
    assert not _colon_title("At 10:30 the talks began in Geneva.")


def test_an_explainers_teaser_line_is_not_told(generator):
    """Read on the archive (10 February 2026): "Here are the basics on why the president is
    complaining about the yet unopened border crossing [3]." stood as a body section."""
    teaser = "Here are the basics on why the president is complaining about the border crossing."
    fact = "Canada funded the Gordie Howe International Bridge, which is nearly complete."
    assert _candidate_texts(generator, f"{fact} {teaser}") == [fact]
    here = "Here is how the bridge deal fell apart after months of talks in Ottawa."
    assert not _candidate_texts(generator, here)
    # Read on the archive (30 October 2025): "Here's a roundup of where things stand [1]."
    assert not _candidate_texts(
        generator, "Here’s a roundup of where things stand with tariffs on key trade partners."
    )
    # A newsletter's contents line (3 December 2025), with or without its "And".
    for line in ("And our readers on the essence of economics.", "Our readers on the Fed's job."):
        assert not _candidate_texts(generator, line, "lede")
    # ... and a standfirst which names the piece: "A roundup of where things stand ...".
    piece = "A roundup of where things stand with tariffs on key U.S. trade partners and sectors."
    assert not _candidate_texts(generator, piece, "lede")
    # "Here" as a place is no teaser.
    place = "Here in Windsor, traders said the crossing would cut their costs by a third."
    assert _candidate_texts(generator, place) == [place]


def test_a_sentence_whose_words_were_all_told_above_adds_nothing(generator):
    """Read on the archive (5 February 2026): after the lede told "The Bank of England and ECB
    kept interest rates unchanged, but different outlooks for inflation are likely to send
    policymakers in different directions this year", a body section told "Different outlooks
    for inflation are likely to send the banks in different directions this year"."""
    told = (
        "The Bank of England and ECB kept interest rates unchanged, but different outlooks for "
        "inflation are likely to send policymakers in different directions this year."
    )
    again = "Different outlooks for inflation are likely to send the banks in different directions this year."
    new = "The U.K. central bank indicated another cut could follow in the coming months."
    p = NumberedPassage(1, _passage(1, f"{again} {new}", "The Wall Street Journal"))
    cands = generator._candidates([p], HouseFormat.load().section("body_1"), [told])
    assert [c.text for c in cands] == [new]


def test_a_question_to_the_reader_is_never_told():
    """Read on the archive (18 April 2025): a column's "Are you buying the dip, battening down
    the hatches or carrying on as normal?" stood as a body section. An open question about the
    news may still stand where the section asks for what is uncertain."""
    from assistant.drafting.generators.extractive import _usable

    hook = "Are you buying the dip, battening down the hatches or carrying on as normal?"
    assert not _usable(hook, "hedged", False, 60)
    assert _usable("Will the ceasefire in Geneva hold through the winter?", "hedged", False, 60)
    assert not _usable("Will the ceasefire in Geneva hold through the winter?", "newest", False, 60)
