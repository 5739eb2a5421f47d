"""`assistant.places.countries_in`, and the clustering's place conflicts built on it (the
penalty on the real archive day: `tests/test_wire_stories.py`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from assistant.batch.clustering import place_conflicts
from assistant.models import Document, SourceLocation, sha256_hex
from assistant.places import countries_in, with_regions


@pytest.mark.parametrize(
    ("text", "countries"),
    [
        # the archive's headlines (wire-archive, 2025-12-11 and 2026-02-19)
        ("Philippine Central Bank Cuts Rates Again as Economy’s Outlook Withers", {"Philippines"}),
        ("Turkish Central Bank Cuts Rates Again Despite Inflation Risks", {"Turkey"}),
        ("South Korean Leader Who Declared Martial Law Gets Life Sentence", {"South Korea"}),
        ("Opinion | Hong Kong and Jimmy Lai’s Prison Sentence", {"Hong Kong"}),
        ("U.S. Seizes Oil Tanker Off Venezuela", {"United States", "Venezuela"}),
        ("Benjamin Netanyahu approves $35bn Israel-Egypt gas deal", {"Israel", "Egypt"}),
        ("Leaving London’s market is not always a Wise move", {"United Kingdom"}),
        ("Bank of England holds rates", {"United Kingdom"}),
        ("North Korean missiles fall near South Korea", {"North Korea", "South Korea"}),
        ("Filipinos and Americans", {"Philippines", "United States"}),
        ("the Kremlin said", {"Russia"}),
        ("Consumer Sentiment Rose in December, Michigan Survey Suggests", {"United States"}),
        ("Eurozone Consumer Confidence Weakens in December", {"European Union"}),
        ("New Mexico and New Jersey", {"United States"}),
        # a longer name, or a word before, makes it another place
        ("New England fishermen", set()),
        ("Latin American markets rally", set()),
        ("Papua New Guinea votes", {"Papua New Guinea"}),
        ("Guinea-Bissau coup", {"Guinea-Bissau"}),
        # names as written: lower-case words are not places; ambiguous names are left out
        ("a turkey for china plates", set()),
        ("Michael Jordan and Chad Smith in Georgia", set()),
    ],
)
def test_countries_in(text, countries):
    assert countries_in(text) == countries


def test_a_member_state_is_in_the_european_union():
    assert with_regions({"France"}) == {"France", "European Union"}
    assert with_regions({"United Kingdom"}) == {"United Kingdom"}


def _item(title: str, standfirst: str, minutes: int = 0) -> Document:
    text = f"{title}. {standfirst}"
    digest = sha256_hex(text)
    return Document(
        id=f"doc_{digest[:16]}",
        kind="outlet",
        format="rss",
        outlet="The Wall Street Journal",
        title=title,
        text=text,
        published_at=datetime(2025, 12, 11, 10, 0, tzinfo=UTC) + timedelta(minutes=minutes),
        content_hash=digest,
        location=SourceLocation(path="wsj.xml", item=digest[:8]),
        lineage_id=f"doc_{digest[:16]}",
    )


# The archive's two rate cuts of 2025-12-11, and a two-country story told from each side.
PHILIPPINES = _item(
    "Philippine Central Bank Cuts Rates Again as Economy’s Outlook Withers",
    "Bangko Sentral ng Pilipinas delivered a fifth straight rate cut at its final meeting of "
    "the year in a widely expected move.",
)
TURKEY = _item(
    "Turkish Central Bank Cuts Rates Again Despite Inflation Risks",
    "The central bank cut its benchmark rate to 38.0% from 39.5% on Thursday, but noted "
    "lingering risks for consumer prices.",
    minutes=130,
)
CANADA = _item(
    "Trump Says He Is Terminating Trade Negotiations With Canada",
    "The president cited an Ontario advertisement that quoted Ronald Reagan on tariffs.",
)
ONTARIO = _item(
    "Ontario to Pause Anti-Tariff Ad Campaign After Trump Called Off Trade Talks",
    "The province's premier said the U.S. campaign would stop on Monday.",
    minutes=60,
)
US_CANADA = _item(
    "U.S. Ends Trade Talks as Tariff Feud Deepens",
    "Ottawa said it was ready to resume talks with Washington.",
    minutes=90,
)


MICHIGAN = _item(
    "Consumer Sentiment Rose in December but Remains Dim, Michigan Survey Suggests",
    "Consumers' economic mood recovered slightly in December but remained broadly gloomy.",
)
EUROZONE = _item(
    "Eurozone Consumer Confidence Weakens in December",
    "Eurozone consumer sentiment unexpectedly weakened in December despite cooling inflation.",
)
FRANCE = _item(
    "France's Economy Struggles to Grow as Tariffs Threaten Fresh Drag",
    "Output barely rose in the second quarter.",
)


def test_headlines_of_two_countries_conflict_only_when_neither_names_the_others():
    conflicts = place_conflicts(
        [
            [PHILIPPINES],
            [TURKEY],
            [CANADA],
            [ONTARIO],
            [US_CANADA],
            [MICHIGAN],
            [EUROZONE],
            [FRANCE],
        ]
    )
    assert conflicts[0, 1] == conflicts[1, 0] == 1.0
    # Ontario's headline names no country: it is not in conflict with anything.
    assert not conflicts[3].any() and not conflicts[:, 3].any()
    # "U.S." against "Canada" in the headlines, but each item names the other's country
    # ("Ottawa" is Canada): one story told from two sides.
    assert conflicts[2, 4] == 0.0
    assert conflicts[0, 2] == 1.0  # the Philippines' rate cut and Canada's trade talks
    # A US state's survey and the eurozone's (wire-archive, 2025-12-19) are two stories; France
    # is in the eurozone.
    assert conflicts[5, 6] == 1.0
    assert conflicts[6, 7] == 0.0
