"""Typed form values: every hostile value is refused with a message on its field, never an exception, never a value
outside the field's range."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.web.forms import MAX_NUMBER, Form

HOSTILE = [
    "1e400",
    "-1",
    "NaN",
    "inf",
    "99999999999999999999",
    "1,5",
    "0001-01-01",
    "9999-12-31",
    "x" * 5000,
    "<script>alert(1)</script>",
    "",
    "\x00",
    "1\x002",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_values_are_refused_or_in_range(value):
    form = Form({"amount": value, "count": value, "day": value, "text": value})
    amount = form.decimal("amount", places=2, minimum=Decimal(0))
    count = form.integer("count", minimum=0, maximum=100)
    day = form.date("day")
    text = form.text("text", required=False, max_length=200)
    assert amount is None or (amount.is_finite() and 0 <= amount <= MAX_NUMBER)
    assert count is None or 0 <= count <= 100
    assert day is None or date(1900, 1, 1) <= day <= date(2199, 12, 31)
    assert text == "" or "text" in form.errors or (len(text) <= 200 and "\x00" not in text)


def test_the_messages_say_what_is_wrong():
    form = Form({"a": "1e400", "b": "NaN", "c": "-1", "d": "99999999999999999999", "e": "1,5", "f": "5000-01-01"})
    form.decimal("a")
    form.decimal("b")
    form.decimal("c", minimum=Decimal(0))
    form.decimal("d")
    form.decimal("e", whole=True)
    form.date("f")
    assert form.errors == {
        "a": "Podaj liczbę, np. 1234,50.",
        "b": "Podaj liczbę, np. 1234,50.",
        "c": "Liczba nie może być ujemna.",
        "d": "Liczba nie może być większa niż 99\u00a0999\u00a0999.",
        "e": "Podaj liczbę całkowitą: to jest liczone w całych sztukach.",
        "f": "Podaj datę od 01.01.1900 do 31.12.2199.",
    }


def test_too_long_text_is_refused_not_cut():
    form = Form({"destination": "x" * 5000})
    form.text("destination", max_length=200)
    assert form.errors["destination"] == "Najwyżej 200 znaków."


def test_polish_and_english_numbers_are_read():
    form = Form({"a": "1 234,50", "b": "1234.50", "c": "7"})
    assert form.decimal("a") == Decimal("1234.50")
    assert form.decimal("b") == Decimal("1234.50")
    assert form.decimal("c", whole=True) == 7
    assert form.valid


@given(st.text(max_size=60))
def test_any_text_never_raises_and_stays_in_range(value):
    form = Form({"n": value})
    number = form.decimal("n", places=3, minimum=Decimal(0), maximum=Decimal(1000))
    whole = form.integer("w", minimum=-5, maximum=5)
    day = form.date("n", earliest=date(2000, 1, 1), latest=date(2030, 12, 31))
    assert number is None or (number.is_finite() and 0 <= number <= 1000)
    assert whole is None
    assert day is None or date(2000, 1, 1) <= day <= date(2030, 12, 31)
