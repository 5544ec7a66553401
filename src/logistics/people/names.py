"""Name search normalization: "Lukasz Wojcik" finds "Łukasz Wójcik", and "Shevchenko" or "Szewczenko" finds "Шевченко".

Rules:

* `fold` makes text comparable: NFKC, case folding, Cyrillic romanized with the Ukrainian national system (below),
  diacritics stripped (NFKD, combining marks dropped), letters that NFKD does not decompose mapped
  (ł l, ß ss, æ ae, ø o, đ d, ı i, and œ oe, þ th, ð d, ħ h, ŧ t), then everything except a-z and 0-9 becomes a
  space, spaces are collapsed and the ends stripped. The result holds only [a-z0-9 ] and fold is idempotent.
  Letters of other scripts with no Latin form (Greek, Arabic, ...) are dropped, i.e. become spaces.
* Cyrillic is read as Ukrainian, with the Russian-only letters added (ё, ы, э, ъ) so Russian spellings work too;
  Belarusian ў is read as u, and other Cyrillic letters with a diacritic (ѓ, ќ, ...) as their base letter.
  Apostrophes (' ’ ʼ ‘ `) next to a Cyrillic letter are dropped, so "В'ячеслав" stays one word.
* `transliterations` gives the two Latin forms of a Cyrillic name, both folded:

  - KMU 2010 (Ukrainian passports): а a, б b, в v, г h, ґ g, д d, е e, є ie, ж zh, з z, и y, і i, ї i, й i, к k,
    л l, м m, н n, о o, п p, р r, с s, т t, у u, ф f, х kh, ц ts, ч ch, ш sh, щ shch, ь dropped, ю iu, я ia;
    at the start of a word є ye, ї yi, й y, ю yu, я ya; зг is zgh (as in the official table: Розгон Rozghon);
    ё e, ы y, э e, ъ dropped.
  - Polish transcription: а a, б b, в w, г h, ґ g, д d, е e, ж ż, з z, и y, і i, ї ji, й j, к k, л ł/l, м m,
    н n, о o, п p, р r, с s, т t, у u, ф f, х ch, ц c, ч cz, ш sz, щ szcz, ь dropped, ы y, э e, ъ dropped.
    The iotated vowels є, ю, я, ё are je, ju, ja, jo at the start of a word, after a vowel, an apostrophe, ь or
    ъ; ie, iu, ia, io after a consonant; and e, u, a, o after л (Polish writes "la", "lu": Ілля Illa, Люба Luba).
    So Юлія is "julija", Наталія "natalija", В'ячеслав "wjaczeslaw" (ż, ł are then folded to z, l).

  Text without Cyrillic has the single form fold(text).
* `search_tokens` indexes a person: every word of every form of every part. `query_tokens` splits what the user
  typed: the words of fold(query) in order, deduplicated, at most 5 of them (a Cyrillic query is therefore
  romanized with KMU, which is one of the indexed forms). Words of both are cut to 40 characters, the length
  of the indexed token column, so exact and prefix matching agree on long words.
"""

from __future__ import annotations

import re
import unicodedata

MAX_QUERY_WORDS = 5
MAX_TOKEN_LENGTH = 40

_APOSTROPHES = frozenset("'\u2019\u02bc\u2018`")
_CONSONANTS = frozenset("бвгґджзклмнпрстфхцчшщ")

_KMU = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "є": "ie", "ж": "zh", "з": "z",
    "и": "y", "і": "i", "ї": "i", "й": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
    "ь": "", "ю": "iu", "я": "ia", "ё": "e", "ы": "y", "э": "e", "ъ": "", "ў": "u",
}  # fmt: skip
_KMU_WORD_START = {"є": "ye", "ї": "yi", "й": "y", "ю": "yu", "я": "ya"}

_POLISH = {
    "а": "a", "б": "b", "в": "w", "г": "h", "ґ": "g", "д": "d", "е": "e", "ж": "ż", "з": "z", "и": "y",
    "і": "i", "ї": "ji", "й": "j", "к": "k", "л": "ł", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "ch", "ц": "c", "ч": "cz", "ш": "sz", "щ": "szcz", "ь": "",
    "ы": "y", "э": "e", "ъ": "", "ў": "u",
}  # fmt: skip
#: Iotated vowels: (at a word start or after a vowel / apostrophe / soft or hard sign, after a consonant, after л).
_POLISH_IOTATED = {
    "є": ("je", "ie", "e"),
    "ю": ("ju", "iu", "u"),
    "я": ("ja", "ia", "a"),
    "ё": ("jo", "io", "o"),
}

#: Letters NFKD leaves alone (checked after case folding, so upper-case forms are covered too).
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "ß": "ss", "æ": "ae", "ø": "o", "đ": "d", "ı": "i", "œ": "oe", "þ": "th", "ð": "d", "ħ": "h", "ŧ": "t"}
)
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _is_cyrillic(char: str) -> bool:
    return "\u0400" <= char <= "\u052f"


def _cyrillic_base(char: str) -> str:
    """`char` itself when a table knows it, else its letter without diacritics (ѓ -> г)."""
    if char in _KMU:
        return char
    return unicodedata.normalize("NFD", char)[0]


def _prepare(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


def _romanize(text: str, polish: bool) -> str:
    """Cyrillic letters of prepared (NFKC, case-folded) `text` in Latin; other characters are kept."""
    out: list[str] = []
    for index, char in enumerate(text):
        previous = text[index - 1] if index else ""
        if char in _APOSTROPHES:
            following = text[index + 1] if index + 1 < len(text) else ""
            if not (_is_cyrillic(previous) or _is_cyrillic(following)):
                out.append(char)
            continue
        if not _is_cyrillic(char):
            out.append(char)
            continue
        letter = _cyrillic_base(char)
        word_start = not previous or not (previous.isalpha() or previous in _APOSTROPHES)
        if polish:
            if letter in _POLISH_IOTATED:
                before = _cyrillic_base(previous) if previous and _is_cyrillic(previous) else ""
                after_vowel, after_consonant, after_l = _POLISH_IOTATED[letter]
                out.append(after_l if before == "л" else after_consonant if before in _CONSONANTS else after_vowel)
            else:
                out.append(_POLISH.get(letter, char))
        elif word_start and letter in _KMU_WORD_START:
            out.append(_KMU_WORD_START[letter])
        elif letter == "г" and previous and _cyrillic_base(previous) == "з":
            out.append("gh")
        else:
            out.append(_KMU.get(letter, char))
    return "".join(out)


def _to_ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return _NOT_ALNUM.sub(" ", bare.translate(_UNDECOMPOSED)).strip()


def fold(text: str) -> str:
    """`text` lower-cased, without diacritics, Cyrillic romanized (KMU), only words of [a-z0-9] joined by spaces."""
    return _to_ascii(_romanize(_prepare(text), polish=False))


def transliterations(text: str) -> set[str]:
    """The folded Latin forms of `text`: KMU and Polish when it has Cyrillic letters, else just fold(text)."""
    prepared = _prepare(text)
    if not any(_is_cyrillic(char) for char in prepared):
        return {fold(text)}
    return {_to_ascii(_romanize(prepared, polish=False)), _to_ascii(_romanize(prepared, polish=True))}


def search_tokens(*parts: str) -> set[str]:
    """Every word of every Latin form of every part (e.g. given and family name), cut to 40 characters."""
    return {word[:MAX_TOKEN_LENGTH] for part in parts for form in transliterations(part) for word in form.split()}


def query_tokens(query: str) -> list[str]:
    """The words of fold(query) in order, without repeats, at most 5, each cut to 40 characters."""
    words: list[str] = []
    for word in fold(query).split():
        word = word[:MAX_TOKEN_LENGTH]
        if word not in words:
            words.append(word)
            if len(words) == MAX_QUERY_WORDS:
                break
    return words
