"""PESEL, the Polish national identification number: 11 digits that encode the birth date and the sex.

Rules:

* Digits 1-6 are YYMMDD; the century is encoded in the month: 1800-1899 month + 80, 1900-1999 month + 0,
  2000-2099 month + 20, 2100-2199 month + 40, 2200-2299 month + 60.
* Digits 7-10 are a serial number; the 10th digit is odd for men and even for women.
* Digit 11 is the check digit: with weights 1, 3, 7, 9, 1, 3, 7, 9, 1, 3 over the first 10 digits,
  check = (10 - sum % 10) % 10.

`parse_pesel` checks, in this order: the format (exactly 11 ASCII digits after stripping surrounding whitespace),
the check digit, then the date. Every weight is coprime with 10, so changing any single digit always breaks the
check digit: a one-digit typo is always reported as "checksum". PESEL UKR numbers (given to refugees from Ukraine)
use the same format and are parsed the same way.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Literal

WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)

#: First year of each century and the number added to the month for it.
_MONTH_OFFSETS = {1800: 80, 1900: 0, 2000: 20, 2100: 40, 2200: 60}
_CENTURY_BY_OFFSET = {offset: century for century, offset in _MONTH_OFFSETS.items()}

_ELEVEN_DIGITS = re.compile(r"[0-9]{11}")

PeselErrorCode = Literal["format", "checksum", "date"]


@dataclass(frozen=True)
class PeselInfo:
    birth_date: datetime.date
    sex: Literal["male", "female"]


class PeselError(ValueError):
    """An invalid PESEL; `code` is "format" (not 11 digits), "checksum" or "date" (an impossible date)."""

    def __init__(self, code: PeselErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: PeselErrorCode = code


def check_digit(first_ten: str) -> int:
    """The check digit (11th digit) for the first 10 digits of a PESEL."""
    total = sum(weight * int(digit) for weight, digit in zip(WEIGHTS, first_ten, strict=True))
    return (10 - total % 10) % 10


def parse_pesel(text: str) -> PeselInfo:
    """Birth date and sex encoded in `text`; raises `PeselError` when it is not a valid PESEL."""
    number = text.strip()
    if not _ELEVEN_DIGITS.fullmatch(number):
        raise PeselError("format", "A PESEL number has exactly 11 digits.")
    if check_digit(number[:10]) != int(number[10]):
        raise PeselError("checksum", "The check digit of this PESEL number does not match.")
    year, encoded_month, day = int(number[0:2]), int(number[2:4]), int(number[4:6])
    century, month = _CENTURY_BY_OFFSET.get(encoded_month - encoded_month % 20), encoded_month % 20
    try:
        birth_date = datetime.date(century + year, month, day) if century is not None else None
    except ValueError:
        birth_date = None
    if birth_date is None:
        raise PeselError("date", "This PESEL number encodes an impossible birth date.")
    return PeselInfo(birth_date=birth_date, sex="male" if int(number[9]) % 2 else "female")


def make_pesel(birth_date: datetime.date, sex: str, serial: int = 123) -> str:
    """A valid PESEL for `birth_date` (1800-01-01 .. 2299-12-31) and `sex` ("male" or "female").

    `serial` (0..999) gives digits 7-9; the 10th digit is 1 for men and 0 for women.
    """
    if sex not in ("male", "female"):
        raise ValueError(f"sex must be 'male' or 'female', not {sex!r}")
    if not 0 <= serial <= 999:
        raise ValueError("serial must be between 0 and 999")
    century = birth_date.year - birth_date.year % 100
    if century not in _MONTH_OFFSETS:
        raise ValueError("PESEL encodes birth dates from 1800-01-01 to 2299-12-31 only")
    month = birth_date.month + _MONTH_OFFSETS[century]
    first_ten = f"{birth_date.year % 100:02d}{month:02d}{birth_date.day:02d}{serial:03d}{1 if sex == 'male' else 0}"
    return first_ten + str(check_digit(first_ten))
