"""Card and voucher codes: Crockford base32 with a Luhn mod 32 check symbol, forgiving input normalization."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.codes import ALPHABET, check_symbol, code_length, format_code, generate, is_well_formed, normalize

LENGTH = 17  # 80 bits: 16 payload symbols + 1 check symbol


def luhn_mod_32_valid(symbols: str) -> bool:
    """The textbook Luhn mod N validation, written here independently of the module."""
    total = 0
    for position, symbol in enumerate(reversed(symbols)):
        value = ALPHABET.index(symbol) * (2 if position % 2 else 1)
        total += value // 32 + value % 32
    return total % 32 == 0


def test_alphabet_is_crockford_base32() -> None:
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_generated_codes_are_well_formed() -> None:
    for _ in range(500):
        code = generate()
        assert re.fullmatch(r"[0-9A-Z-]+", code)
        assert re.fullmatch(r"([0-9A-Z]{4}-){4}[0-9A-Z]", code)
        assert is_well_formed(code, LENGTH)
        assert luhn_mod_32_valid(normalize(code))
        assert set(normalize(code)) <= set(ALPHABET)


def test_generated_codes_differ() -> None:
    assert len({generate() for _ in range(1000)}) == 1000


@pytest.mark.parametrize(("bits", "length"), [(1, 2), (5, 2), (6, 3), (40, 9), (80, 17), (81, 18), (128, 27)])
def test_code_length(bits: int, length: int) -> None:
    assert code_length(bits) == length
    code = generate(bits)
    assert len(normalize(code)) == length
    assert is_well_formed(code, length)


def test_grouping() -> None:
    assert re.fullmatch(r"[0-9A-Z]{5}-[0-9A-Z]{4}", generate(40, group=5))
    assert format_code("ABCDEFGHJKMNPQRST") == "ABCD-EFGH-JKMN-PQRS-T"
    assert format_code("ABCDEFGHJ", group=3) == "ABC-DEF-GHJ"
    assert format_code("abcd-efgh j") == "ABCD-EFGH-J"
    assert format_code("") == ""
    with pytest.raises(ValueError, match="group"):
        format_code("ABCD", group=0)
    with pytest.raises(ValueError, match="bits"):
        generate(0)


def test_check_symbol_by_hand() -> None:
    assert check_symbol("") == "0"
    assert check_symbol("0") == "0"
    assert check_symbol("1") == "Y"  # 1 doubled is 2; (32 - 2) % 32 = 30 -> "Y"
    assert check_symbol("Z") == "1"  # 31 doubled is 62 = 1*32 + 30 -> 1 + 30 = 31; 32 - 31 = 1
    assert check_symbol("11") == "X"  # 1 + 2 = 3; 32 - 3 = 29 -> "X"
    with pytest.raises(ValueError, match="not a code symbol"):
        check_symbol("ABCU")
    with pytest.raises(ValueError, match="not a code symbol"):
        check_symbol("ab")


def test_every_single_substitution_is_rejected() -> None:
    checked = rejected = 0
    for _ in range(20):
        symbols = normalize(generate())
        for position, original in enumerate(symbols):
            for replacement in ALPHABET:
                if replacement != original:
                    checked += 1
                    rejected += not is_well_formed(symbols[:position] + replacement + symbols[position + 1 :], LENGTH)
    assert checked == 20 * LENGTH * 31
    assert rejected == checked


def swaps(symbols: str) -> list[tuple[str, str, str]]:
    """(swapped string, first, second) for every adjacent pair of different symbols."""
    return [
        (symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :], symbols[i], symbols[i + 1])
        for i in range(len(symbols) - 1)
        if symbols[i] != symbols[i + 1]
    ]


def test_every_adjacent_transposition_of_a_generated_code_is_rejected() -> None:
    # generate() leaves out codes with "0" next to "Z", the one pair Luhn mod 32 cannot see swapped.
    for _ in range(300):
        symbols = normalize(generate())
        assert "0Z" not in symbols and "Z0" not in symbols
        for swapped, _first, _second in swaps(symbols):
            assert not is_well_formed(swapped, LENGTH)


def test_transposition_caveat_only_0_and_z_go_unnoticed() -> None:
    """Luhn mod N misses exactly one transposition: values 0 and N-1 ("0" and "Z" here), like 09/90 in mod 10.

    Tried for every ordered pair of different symbols, at every position of the code (check symbol included).
    """
    unnoticed: set[tuple[str, str]] = set()
    tried = missed = 0
    for position in range(LENGTH - 1):
        for first in ALPHABET:
            for second in ALPHABET:
                if first == second:
                    continue
                filler = "ABCDEFGHJKMNPQRSTV"
                if position < LENGTH - 2:
                    payload = filler[:position] + first + second + filler[: LENGTH - 3 - position]
                    symbols = payload + check_symbol(payload)
                else:
                    # The pair is the last payload symbol and the check symbol: search a prefix giving that check.
                    symbols = next(
                        candidate
                        for candidate in (prefix + first + second for prefix in _prefixes(LENGTH - 2))
                        if is_well_formed(candidate, LENGTH)
                    )
                assert is_well_formed(symbols, LENGTH)
                tried += 1
                swapped = symbols[:position] + second + first + symbols[position + 2 :]
                if is_well_formed(swapped, LENGTH):
                    unnoticed.add((first, second))
                    missed += 1
    assert unnoticed == {("0", "Z"), ("Z", "0")}
    assert tried == (LENGTH - 1) * 32 * 31
    assert missed == (LENGTH - 1) * 2
    assert 1 - missed / tried >= 0.99  # 99.8 %


def _prefixes(length: int) -> list[str]:
    """Strings of `length` symbols whose first symbol runs over the alphabet (so every check value is reachable)."""
    return [symbol + "0" * (length - 1) for symbol in ALPHABET]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("abcd-efgh-jkmn-pqrs-t", "ABCDEFGHJKMNPQRST"),
        ("ABCD EFGH  JKMN_PQRS T", "ABCDEFGHJKMNPQRST"),
        (" abcd\tefgh\n", "ABCDEFGH"),
        ("iIlL oO", "111100"),
        ("ab–cd—ef", "ABCDEF"),
        ("u", "U"),  # not mapped, so it stays invalid
        ("", ""),
    ],
)
def test_normalize(typed: str, expected: str) -> None:
    assert normalize(typed) == expected


def test_well_formed_accepts_what_people_type() -> None:
    payload = "01" * 8
    symbols = payload + check_symbol(payload)
    assert is_well_formed(symbols, LENGTH)
    typed = format_code(symbols).lower().replace("0", "o").replace("1", "l")
    assert is_well_formed(typed, LENGTH)
    assert is_well_formed(" " + typed.replace("-", " ").upper().replace("L", "I") + " ", LENGTH)


def test_well_formed_rejects() -> None:
    symbols = normalize(generate())
    assert not is_well_formed(symbols[:-1], LENGTH)
    assert not is_well_formed(symbols + "0", LENGTH)
    assert not is_well_formed(symbols, LENGTH + 1)
    assert not is_well_formed("", LENGTH)
    assert not is_well_formed("", 0)
    assert not is_well_formed("0", 1)
    assert not is_well_formed(symbols[:-1] + "U", LENGTH)
    assert not is_well_formed(symbols[:-1] + "*", LENGTH)
    assert not is_well_formed(symbols[:-1] + "Ą", LENGTH)


@given(st.text(alphabet=ALPHABET, min_size=1, max_size=24))
def test_any_payload_with_its_check_symbol_is_well_formed_and_any_change_breaks_it(payload: str) -> None:
    symbols = payload + check_symbol(payload)
    assert is_well_formed(symbols, len(symbols))
    assert is_well_formed(format_code(symbols).lower(), len(symbols))
    assert luhn_mod_32_valid(symbols)
    for position, original in enumerate(symbols):
        for replacement in ALPHABET:
            if replacement != original:
                assert not is_well_formed(symbols[:position] + replacement + symbols[position + 1 :], len(symbols))
