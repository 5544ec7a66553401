"""The countries a person's citizenship is chosen from: ISO 3166-1 alpha-2 codes named in the user's language and
sorted by that language's alphabet.

Babel's territory list is more than countries: it has regions ("001", "150"), groupings and pseudo-territories
(European Union, Eurozone, United Nations, Outlying Oceania, Pseudo-Accents …) and codes ISO only reserves
(Ascension Island, Canary Islands, Kosovo's user-assigned XK …). Only the 249 officially assigned codes are
offered.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale

#: Two-letter codes in Babel's list that are not officially assigned ISO 3166-1 alpha-2 codes: exceptionally or
#: transitionally reserved (AC, CP, CQ, DG, EA, EU, EZ, IC, TA, UN) or user-assigned (QM–QZ, XA–XZ, ZZ).
NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "TA", "UN"})


def is_country(code: str) -> bool:
    """Whether `code` is an assigned ISO 3166-1 alpha-2 code (as far as Babel knows territories)."""
    if len(code) != 2 or not code.isalpha() or not code.isupper() or code in NOT_COUNTRIES:
        return False
    return not (code == "AA" or code == "ZZ" or code[0] == "X" or (code[0] == "Q" and code[1] >= "M"))


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    return frozenset(code for code in map(str, Locale("en").territories) if is_country(code))


#: Each language's alphabet, where it differs from the order of the Unicode code points (Polish ą after a and ł
#: after l; Ukrainian ґ, є, і, ї in their places). Letters not listed sort by their base letter.
ALPHABETS = {
    "pl": "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż",
    "uk": "абвгґдеєжзиіїйклмнопрстуфхцчшщьюя",
}


def sort_key(text: str, locale: str) -> tuple[tuple[int, ...], str]:
    """A key that sorts `text` by the alphabet of `locale`, case and punctuation aside: in Polish Łotwa comes after
    Luksemburg and before Madagaskar; in Ukrainian Ізраїль comes before Йорданія (code points say otherwise)."""
    alphabet = ALPHABETS.get(locale.split("_")[0], "")
    order = {letter: position for position, letter in enumerate(alphabet)}
    key = []
    for char in text.casefold():
        if char in order:
            key.append(order[char] * 4)
            continue
        base = unicodedata.normalize("NFD", char)[0]
        if base in order:
            key.append(order[base] * 4 + 1)  # a letter with an accent the alphabet does not list: right after it
        elif base.isalnum():
            key.append(len(alphabet) * 4 + ord(base))
    return tuple(key), text


def country_options(locale: str, first: tuple[str, ...] = ("PL", "UA")) -> list[tuple[str, str]]:
    """(code, name) of every country in `locale`: `first` at the top, then the rest by name in that language."""
    names = Locale.parse(locale).territories
    rest = sorted(country_codes() - set(first), key=lambda code: sort_key(names.get(code, code), locale))
    return [(code, names.get(code, code)) for code in [*first, *rest]]


def country_name(code: str, locale: str) -> str:
    """The country's name in `locale`; the code itself when it is not a country (ZZ after erasure: "other")."""
    if not code:
        return ""
    return str(Locale.parse(locale).territories.get(code, code)) if is_country(code) else code
