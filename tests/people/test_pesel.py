"""PESEL: the five centuries of the month encoding, both sexes, check digit, format and impossible dates."""

from __future__ import annotations

from datetime import date
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.people.pesel import PeselError, PeselInfo, check_digit, make_pesel, parse_pesel


def with_check(first_ten: str) -> str:
    """`first_ten` plus its check digit, computed here independently of the module."""
    total = sum(w * int(d) for w, d in zip((1, 3, 7, 9, 1, 3, 7, 9, 1, 3), first_ten, strict=True))
    return first_ten + str((10 - total % 10) % 10)


def error_code(text: str) -> str:
    with pytest.raises(PeselError) as caught:
        parse_pesel(text)
    with pytest.raises(ValueError, match=r"."):  # PeselError is a ValueError for callers that only know that
        parse_pesel(text)
    return caught.value.code


VALID = [
    # number, birth date, sex — check digits verified by hand with the weights 1 3 7 9 1 3 7 9 1 3
    ("50830745602", date(1850, 3, 7), "female"),
    ("99923178914", date(1899, 12, 31), "male"),
    ("00810100019", date(1800, 1, 1), "male"),
    ("44051401458", date(1944, 5, 14), "male"),
    ("99123100003", date(1999, 12, 31), "female"),
    ("00222932109", date(2000, 2, 29), "female"),
    ("24300155514", date(2024, 10, 1), "male"),
    ("00410100109", date(2100, 1, 1), "female"),
    ("99471599911", date(2199, 7, 15), "male"),
    ("00622804206", date(2200, 2, 28), "female"),
    ("99723100711", date(2299, 12, 31), "male"),
]


@pytest.mark.parametrize(("number", "birth_date", "sex"), VALID)
def test_valid_numbers_of_every_century(number: str, birth_date: date, sex: Literal["male", "female"]) -> None:
    assert with_check(number[:10]) == number
    assert parse_pesel(number) == PeselInfo(birth_date=birth_date, sex=sex)


def test_known_real_format_example() -> None:
    info = parse_pesel("44051401458")
    assert info.birth_date == date(1944, 5, 14)
    assert info.sex == "male"


@pytest.mark.parametrize(
    ("birth_date", "month_digits"),
    [
        (date(1850, 3, 7), "83"),
        (date(1944, 5, 14), "05"),
        (date(2024, 10, 1), "30"),
        (date(2150, 12, 2), "52"),
        (date(2250, 6, 30), "66"),
    ],
)
def test_make_pesel_encodes_the_century_in_the_month(birth_date: date, month_digits: str) -> None:
    for sex in ("male", "female"):
        number = make_pesel(birth_date, sex, serial=987)
        assert number[2:4] == month_digits
        assert number[6:9] == "987"
        assert int(number[9]) % 2 == (1 if sex == "male" else 0)
        assert parse_pesel(number) == PeselInfo(birth_date, sex)


@pytest.mark.parametrize("century_prefix", ["0081", "0001", "0021", "0041", "0061"])
def test_every_tenth_digit_gives_the_sex(century_prefix: str) -> None:
    # century_prefix is YYMM for January of 1800, 1900, 2000, 2100, 2200
    for digit in range(10):
        number = with_check(f"{century_prefix}15123{digit}")
        assert parse_pesel(number).sex == ("male" if digit % 2 else "female")


def test_surrounding_whitespace_is_ignored() -> None:
    assert parse_pesel("  44051401458\n").birth_date == date(1944, 5, 14)


@pytest.mark.parametrize("number", [pesel for pesel, _, _ in VALID])
def test_wrong_check_digit_of_every_century(number: str) -> None:
    wrong = number[:10] + str((int(number[10]) + 1) % 10)
    assert error_code(wrong) == "checksum"


@pytest.mark.parametrize(
    "text",
    ["", "4405140145", "440514014580", "4405140145A", "44O51401458", "4405 1401458", "44-051401458", "٤٤٠٥١٤٠١٤٥٨"],
)
def test_not_eleven_digits_is_a_format_error(text: str) -> None:
    assert error_code(text) == "format"


@pytest.mark.parametrize(
    "first_ten",
    [
        "0082290012",  # 1800-02-29: 1800 is not a leap year
        "0002290012",  # 1900-02-29: 1900 is not a leap year
        "0122290012",  # 2001-02-29
        "2402300012",  # 1924-02-30
        "0042290012",  # 2100-02-29: 2100 is not a leap year
        "0062290012",  # 2200-02-29: 2200 is not a leap year
        "4413010012",  # month 13 (1900s)
        "4433010012",  # month 13 of the 2000s
        "4453010012",  # month 13 of the 2100s
        "4473010012",  # month 13 of the 2200s
        "4493010012",  # month 13 of the 1800s
        "4400010012",  # month 0
        "4420010012",  # month 0 of the 2000s
        "4499010012",  # month 99
        "4405000012",  # day 0
        "4405320012",  # day 32
        "4404310012",  # April 31
        "4486310012",  # 1844-06-31
        "4466310012",  # 2244-06-31
    ],
)
def test_impossible_dates_with_a_correct_check_digit(first_ten: str) -> None:
    assert error_code(with_check(first_ten)) == "date"


def test_leap_day_2000_is_valid_and_2001_is_not() -> None:
    assert parse_pesel(with_check("0022290012")).birth_date == date(2000, 2, 29)
    assert parse_pesel(make_pesel(date(2000, 2, 29), "male")).birth_date == date(2000, 2, 29)
    assert error_code(with_check("0122290012")) == "date"


def test_check_digit_helper() -> None:
    assert check_digit("4405140145") == 8


@pytest.mark.parametrize(
    ("birth_date", "sex", "serial"),
    [
        (date(1799, 12, 31), "male", 0),
        (date(2300, 1, 1), "male", 0),
        (date(2000, 1, 1), "other", 0),
        (date(2000, 1, 1), "female", -1),
        (date(2000, 1, 1), "female", 1000),
    ],
)
def test_make_pesel_rejects_what_it_cannot_encode(birth_date: date, sex: str, serial: int) -> None:
    with pytest.raises(ValueError, match=r"."):
        make_pesel(birth_date, sex, serial)


@given(
    birth_date=st.dates(min_value=date(1800, 1, 1), max_value=date(2299, 12, 31)),
    sex=st.sampled_from(["male", "female"]),
    serial=st.integers(min_value=0, max_value=999),
)
def test_make_then_parse_round_trips_and_any_single_digit_change_is_caught(
    birth_date: date, sex: Literal["male", "female"], serial: int
) -> None:
    number = make_pesel(birth_date, sex, serial)
    assert len(number) == 11 and number.isdigit()
    assert parse_pesel(number) == PeselInfo(birth_date, sex)
    # Every weight (1, 3, 7, 9) is coprime with 10, so a change of one digit always changes the weighted sum
    # modulo 10 and can never keep the check digit right: it is always caught, and always as "checksum".
    for position in range(11):
        for digit in "0123456789":
            if digit != number[position]:
                changed = number[:position] + digit + number[position + 1 :]
                assert error_code(changed) == "checksum"
