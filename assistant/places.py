"""`countries_in`: the countries a text names, by name, short form or adjective.

Story clustering uses it to keep apart two items on the same kind of event in different
countries: on the wire archive "Philippine Central Bank Cuts Rates Again as Economy's Outlook
Withers" and "Turkish Central Bank Cuts Rates Again Despite Inflation Risks" are worded so alike
that their vectors merged them into one story, and the draft then told Turkey's rate as the
Philippines'. Names are matched as written (case-sensitive, whole words), so "china" and
"turkey" in lower case are not countries.

The table covers sovereign states and a few territories that the wire reports as places of
their own (Hong Kong, Taiwan, Greenland, the Palestinian territories), plus the cities, US
states and institutions that stand for a country in news copy ("London's market", "the
Kremlin said", "Michigan survey") and the European Union. Words that are as often something
else are left out: "Chad", "Jordan" and "Georgia" (people's names, a US state), "Washington"
(a newspaper, a state), "Brussels" (the EU more than Belgium). England, Scotland, Wales and
Northern Ireland count as the United Kingdom, since "Bank of England" news is UK news.
"""

from __future__ import annotations

import re
from functools import cache

# canonical | other names and short forms | adjectives and people (plural "s" is added).
_TABLE = """
Afghanistan|Afghan|Afghani
Albania|Albanian
Algeria|Algerian
Andorra|Andorran
Angola|Angolan
Argentina|Argentine|Argentinian
Armenia|Armenian
Australia|Australian|Aussie
Austria|Austrian
Azerbaijan|Azerbaijani|Azeri
Bahamas|Bahamian
Bahrain|Bahraini
Bangladesh|Bangladeshi
Barbados|Barbadian
Belarus|Belarusian|Belarussian
Belgium|Belgian
Belize|Belizean
Benin|Beninese
Bhutan|Bhutanese
Bolivia|Bolivian
Bosnia and Herzegovina|Bosnia|Bosnian
Botswana|Botswanan
Brazil|Brazilian
Brunei|Bruneian
Bulgaria|Bulgarian
Burkina Faso|Burkinabe
Burundi|Burundian
Cambodia|Cambodian
Cameroon|Cameroonian
Canada|Canadian
Cape Verde|Cabo Verde|Cape Verdean
Central African Republic
Chile|Chilean
China|Chinese|PRC
Colombia|Colombian
Comoros|Comoran
Congo|Democratic Republic of Congo|Democratic Republic of the Congo|DRC|DR Congo|Congolese
Costa Rica|Costa Rican
Croatia|Croatian|Croat
Cuba|Cuban
Cyprus|Cypriot
Czech Republic|Czechia|Czech
Denmark|Danish|Dane
Djibouti|Djiboutian
Dominican Republic|Dominican
Ecuador|Ecuadorian|Ecuadorean
Egypt|Egyptian
El Salvador|Salvadoran|Salvadorean
Equatorial Guinea|Equatoguinean
Eritrea|Eritrean
Estonia|Estonian
Eswatini|Swaziland|Swazi
Ethiopia|Ethiopian
Fiji|Fijian
Finland|Finnish
France|French
Gabon|Gabonese
Gambia|Gambian
Germany|German
Ghana|Ghanaian
Greece|Greek
Greenland|Greenlandic|Greenlander
Guatemala|Guatemalan
Guinea-Bissau|Bissau-Guinean
Guinea|Guinean
Guyana|Guyanese
Haiti|Haitian
Honduras|Honduran
Hong Kong|Hongkonger
Hungary|Hungarian
Iceland|Icelandic|Icelander
India|Indian
Indonesia|Indonesian
Iran|Iranian
Iraq|Iraqi
Ireland|Republic of Ireland|Irish
Israel|Israeli
Italy|Italian
Ivory Coast|Côte d'Ivoire|Côte d’Ivoire|Ivorian
Jamaica|Jamaican
Japan|Japanese
Jordanian
Kazakhstan|Kazakh
Kenya|Kenyan
Kosovo|Kosovar|Kosovan
Kuwait|Kuwaiti
Kyrgyzstan|Kyrgyz
Laos|Lao|Laotian
Latvia|Latvian
Lebanon|Lebanese
Lesotho
Liberia|Liberian
Libya|Libyan
Liechtenstein
Lithuania|Lithuanian
Luxembourg|Luxembourgish
Macau|Macao|Macanese
Madagascar|Malagasy
Malawi|Malawian
Malaysia|Malaysian
Maldives|Maldivian
Mali|Malian
Malta|Maltese
Mauritania|Mauritanian
Mauritius|Mauritian
Mexico|Mexican
Moldova|Moldovan
Monaco|Monegasque
Mongolia|Mongolian
Montenegro|Montenegrin
Morocco|Moroccan
Mozambique|Mozambican
Myanmar|Burma|Burmese
Namibia|Namibian
Nepal|Nepali|Nepalese
Netherlands|Dutch
New Zealand|New Zealander
Nicaragua|Nicaraguan
Niger|Nigerien
Nigeria|Nigerian
North Korea|North Korean|DPRK
North Macedonia|Macedonia|Macedonian
Norway|Norwegian
Oman|Omani
Pakistan|Pakistani
Palestine|Palestinian Territories|Palestinian
Panama|Panamanian
Papua New Guinea|Papua New Guinean
Paraguay|Paraguayan
Peru|Peruvian
Philippines|Philippine|Filipino|Filipina
Poland|Polish
Portugal|Portuguese
Puerto Rico|Puerto Rican
Qatar|Qatari
Romania|Romanian
Russia|Russian Federation|Russian
Rwanda|Rwandan
Saudi Arabia|Saudi
Senegal|Senegalese
Serbia|Serbian|Serb
Sierra Leone|Sierra Leonean
Singapore|Singaporean
Slovakia|Slovak|Slovakian
Slovenia|Slovenian|Slovene
Somalia|Somali
South Africa|South African
South Korea|Republic of Korea|Korea|South Korean|Korean
South Sudan|South Sudanese
Spain|Spanish|Spaniard
Sri Lanka|Sri Lankan
Sudan|Sudanese
Suriname|Surinamese
Sweden|Swedish|Swede
Switzerland|Swiss
Syria|Syrian
Taiwan|Taiwanese
Tajikistan|Tajik
Tanzania|Tanzanian
Thailand|Thai
Timor-Leste|East Timor|Timorese
Togo|Togolese
Trinidad and Tobago|Trinidadian
Tunisia|Tunisian
Turkey|Türkiye|Turkish|Turk
Turkmenistan|Turkmen
Uganda|Ugandan
Ukraine|Ukrainian
United Arab Emirates|UAE|Emirati
United Kingdom|UK|U.K.|Britain|Great Britain|England|Scotland|Wales|Northern Ireland|British|Scottish|Welsh|Briton
United States|US|U.S.|USA|U.S.A.|America|American
Uruguay|Uruguayan
Uzbekistan|Uzbek
Venezuela|Venezuelan
Vietnam|Viet Nam|Vietnamese
Yemen|Yemeni
Zambia|Zambian
Zimbabwe|Zimbabwean
"""

_PLACES = """
United States|New York|Wall Street|White House|Pentagon|Silicon Valley|Los Angeles|Chicago|San Francisco
United Kingdom|London|Downing Street|Whitehall|Westminster|Edinburgh|Manchester
China|Beijing|Shanghai|Shenzhen|Guangzhou
Russia|Moscow|Kremlin|St Petersburg
Ukraine|Kyiv|Kiev|Kharkiv|Odesa|Donbas
France|Paris|Élysée
Germany|Berlin|Frankfurt|Munich|Bundesbank
Japan|Tokyo|Osaka
India|New Delhi|Delhi|Mumbai
Iran|Tehran
Israel|Tel Aviv
Turkey|Ankara|Istanbul
Italy|Rome|Milan
Spain|Madrid|Barcelona
Canada|Ottawa|Toronto
Australia|Canberra|Sydney|Melbourne
South Korea|Seoul
North Korea|Pyongyang
Taiwan|Taipei
Saudi Arabia|Riyadh
United Arab Emirates|Dubai|Abu Dhabi
Qatar|Doha
Egypt|Cairo
Syria|Damascus
Lebanon|Beirut
Iraq|Baghdad
Afghanistan|Kabul
Pakistan|Islamabad|Karachi
Venezuela|Caracas
Cuba|Havana
Brazil|Brasília|São Paulo|Rio de Janeiro
Argentina|Buenos Aires
Mexico|Mexico City
Philippines|Manila
Indonesia|Jakarta
Thailand|Bangkok
Vietnam|Hanoi
Malaysia|Kuala Lumpur
Poland|Warsaw
Hungary|Budapest
Austria|Vienna
Sweden|Stockholm
Norway|Oslo
Denmark|Copenhagen
Finland|Helsinki
Greece|Athens
Netherlands|Amsterdam|The Hague
Switzerland|Zurich|Geneva|Davos
Nigeria|Lagos|Abuja
Kenya|Nairobi
South Africa|Johannesburg|Pretoria|Cape Town
Belarus|Minsk
United States|Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|New Hampshire|New Jersey|New Mexico|North Carolina|North Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|Rhode Island|South Carolina|South Dakota|Tennessee|Texas|Utah|Vermont|West Virginia|Wisconsin|Wyoming
European Union|EU|E.U.|Eurozone|Euro Zone|Euro Area|Euro-Area|European Commission|ECB
"""
"""Cities, states and institutions that stand for their country in news copy ("London's market",
"the Kremlin said"), unambiguous ones only: not "Washington" (a newspaper, a state), not
"Brussels" (which stands for the EU, not Belgium), not "Jerusalem", and of the US states not
"Georgia" and "Washington". The European Union counts as a place of its own, and a member
state's item is in it (`with_regions`): "Eurozone consumer confidence" is not a US story, and
"France's Economy Struggles" is a eurozone one."""

_NOT_AFTER = r"(?<!New )(?<!Latin )(?<!South )(?<!North )(?<!Central )(?<!Native )(?<!African )"
""""New Mexico", "New England", "Latin America(n)", "South America", "Native American" …
are not the country the last word names. ("South Korea", "South Africa", "North Korea" are
longer names in the table and match first.)"""


@cache
def _forms() -> tuple[re.Pattern[str], dict[str, str]]:
    country_of: dict[str, str] = {}
    # A city line names an existing country first, so both tables share canonical names.
    for line in (_TABLE + _PLACES).strip().splitlines():
        if not line.strip():
            continue
        names = line.split("|")
        for name in names:
            country_of[name] = names[0]
    # Longest first, so "South Korea" wins over "Korea" and "Guinea-Bissau" over "Guinea".
    alternatives = "|".join(re.escape(n) for n in sorted(country_of, key=len, reverse=True))
    pattern = re.compile(rf"(?<![\w.]){_NOT_AFTER}(?:{alternatives})(?:s|es)?(?!\w)")
    return pattern, country_of


_EU_MEMBERS = frozenset(
    """Austria Belgium Bulgaria Croatia Cyprus Czech_Republic Denmark Estonia Finland France
    Germany Greece Hungary Ireland Italy Latvia Lithuania Luxembourg Malta Netherlands Poland
    Portugal Romania Slovakia Slovenia Spain Sweden""".replace("_", " ").split()
)


def with_regions(countries: set[str]) -> set[str]:
    """`countries` plus the European Union when one of them is a member state."""
    return countries | {"European Union"} if countries & _EU_MEMBERS else countries


def countries_in(text: str) -> set[str]:
    """The countries `text` names (canonical English names, e.g. {"Turkey"} for "Turkish")."""
    pattern, country_of = _forms()
    found = set()
    for m in pattern.finditer(text):
        word = m.group(0)
        country = country_of.get(word)
        if country is None:  # a plural: "Filipinos", "Americans", "Swedes"
            country = country_of.get(word[:-1]) or country_of.get(word[:-2])
        if country is not None:
            found.add(country)
    return found
