"""Codes printed on paper (beneficiary cards, later vouchers), typed by hand or sent by a barcode scanner.

Rules:

* Symbols come from Crockford's base32 alphabet ``0123456789ABCDEFGHJKMNPQRSTVWXYZ``: no I, L, O or U, so a
  code cannot be misread as another one. Each symbol carries 5 bits.
* A code is a ``secrets``-random payload of ``ceil(bits / 5)`` symbols followed by ONE check symbol from the same
  alphabet, computed with the Luhn mod N algorithm (N = 32) over the payload. 80 bits give 16 + 1 = 17 symbols.
* Codes are shown in groups of four symbols joined with "-"; the check symbol is simply the last symbol and takes
  part in the grouping: ``ABCD-EFGH-JKMN-PQRS-T``.
* Input is normalized before it is checked: upper case; whitespace, "-", "_" (and typographic dashes) removed;
  the usual misreads I and L read as 1, O read as 0 (Crockford's decoding rules). U is not mapped: it stays invalid.

What the check symbol catches: Luhn mod 32 detects every single-symbol substitution, and every transposition of
two adjacent different symbols except the swap of "0" and "Z" (values 0 and N-1: the one undetected pair of Luhn
mod N, like 09 <-> 90 for credit card numbers). ``generate`` never produces a code with "0" next to "Z", so for
every generated code all adjacent transpositions are detected too; this costs about 0.05 bits of the payload.
"""

from __future__ import annotations

import math
import secrets
from itertools import pairwise

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
N = len(ALPHABET)
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}

#: Characters that only separate groups; removed by `normalize`.
_SEPARATORS = frozenset(" -_\u2010\u2011\u2012\u2013\u2014\u2212")
#: Crockford's decoding of the letters left out of the alphabet because they look like digits.
_MISREADS = {"I": "1", "L": "1", "O": "0"}
#: The only adjacent transposition Luhn mod 32 misses: values 0 and N-1.
_BLIND_PAIR = frozenset({ALPHABET[0], ALPHABET[-1]})


def code_length(bits: int = 80) -> int:
    """Number of symbols, check symbol included, of a code carrying `bits` random bits (80 -> 17)."""
    if bits < 1:
        raise ValueError("bits must be at least 1")
    return math.ceil(bits / 5) + 1


def check_symbol(payload: str) -> str:
    """The Luhn mod 32 check symbol of `payload` (bare symbols from `ALPHABET`, no dashes)."""
    total = 0
    # Doubling starts with the rightmost payload symbol: the check symbol will be appended to its right.
    for position, symbol in enumerate(reversed(payload)):
        try:
            value = _VALUES[symbol]
        except KeyError:
            raise ValueError(f"{symbol!r} is not a code symbol") from None
        if position % 2 == 0:
            value *= 2
            value = value // N + value % N
        total += value
    return ALPHABET[(N - total % N) % N]


def _check_passes(symbols: str) -> bool:
    return check_symbol(symbols[:-1]) == symbols[-1]


def format_code(symbols: str, group: int = 4) -> str:
    """`symbols` (normalized first) in groups of `group` symbols joined with "-"."""
    if group < 1:
        raise ValueError("group must be at least 1")
    bare = normalize(symbols)
    return "-".join(bare[start : start + group] for start in range(0, len(bare), group))


def generate(bits: int = 80, group: int = 4) -> str:
    """A new random code: ceil(bits / 5) payload symbols plus the check symbol, formatted by `format_code`."""
    length = code_length(bits) - 1
    while True:
        payload = "".join(secrets.choice(ALPHABET) for _ in range(length))
        symbols = payload + check_symbol(payload)
        # Skip codes where a 0/Z swap would go unnoticed (see the module docstring).
        if not any({first, second} == _BLIND_PAIR for first, second in pairwise(symbols)):
            return format_code(symbols, group)


def normalize(text: str) -> str:
    """The bare symbols of typed or scanned `text`: upper case, separators removed, I/L -> 1, O -> 0. No validation."""
    upper = text.upper()
    return "".join(_MISREADS.get(char, char) for char in upper if not (char in _SEPARATORS or char.isspace()))


def is_well_formed(text: str, length: int) -> bool:
    """Whether `text`, once normalized, is exactly `length` symbols (check included) with a matching check symbol."""
    symbols = normalize(text)
    if length < 2 or len(symbols) != length:
        return False
    if any(symbol not in _VALUES for symbol in symbols):
        return False
    return _check_passes(symbols)
