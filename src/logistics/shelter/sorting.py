"""Natural order of bed, room and site labels: "Sala 2" before "Sala 10", bed 9 before bed 10.

One sort key for every list of the shelter, applied in Python after the query, so SQLite and PostgreSQL (whose
collations differ) show the same order."""

from __future__ import annotations

import re

_NUMBERS = re.compile(r"(\d+)")


def natural_key(label: str) -> tuple[tuple[str | int, ...], str]:
    """A key that orders numbers inside labels by value: 1, 2, … 10, 11 (not 1, 10, 11, 2); case is ignored.

    `re.split` with a group alternates text and digits, so the parts compare text with text and number with number;
    the label itself breaks ties ("01" and "1")."""
    parts = _NUMBERS.split(label.strip().casefold())
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts)), label
