"""One small form pattern: read fields, collect an error per field, re-render with the values and errors.

Handlers read `await request.form()` into a `Form`, call its field readers, and either act on the values or render
the page again with `form` in the context (status 422); templates show `form.errors[name]` next to each field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from logistics.core.i18n import format_date, format_number, ngettext
from logistics.core.i18n import gettext as _

MAX_FIELD_LENGTH = 2000
#: The largest number a form accepts unless a field says less: it fits every numeric column (Numeric(12, 3),
#: Numeric(10, 2)) and no centre has more of anything.
MAX_NUMBER = Decimal("99999999")
MAX_INTEGER = 2**31 - 1
#: Dates outside these years are typing mistakes for every field; fields narrow the window further.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def options(mapping: Mapping[Any, Any]) -> list[tuple[str, str]]:
    """(value, label) pairs for a select or checkboxes, labels translated now."""
    return [(str(key), str(label)) for key, label in mapping.items()]


class Form:
    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = data
        self.values: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    @classmethod
    def filled(cls, **values: Any) -> Form:
        """A form showing existing values (an edit page before anything was submitted)."""
        form = cls()
        form.values = values
        return form

    @property
    def valid(self) -> bool:
        return not self.errors

    def _all(self, name: str) -> list[str]:
        if self._data is None:
            return []
        getall = getattr(self._data, "getall", None)
        raw = getall(name, []) if getall else ([self._data[name]] if name in self._data else [])
        return [value for value in raw if isinstance(value, str)]

    def has(self, name: str) -> bool:
        """Whether the form sent the field at all (an emptied field is sent, an absent one is not)."""
        return bool(self._all(name))

    def raw(self, name: str) -> str:
        values = self._all(name)
        return values[-1].strip() if values else ""

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, *, required: bool = True, max_length: int = 200, min_length: int = 0) -> str:
        """Text of at most `max_length` characters: a longer one is refused with a message, never cut."""
        value = self.raw(name)
        self.values[name] = _INVISIBLE.sub("", value[:MAX_FIELD_LENGTH])
        if not value:
            if required:
                self.error(name, _("This field is required."))
        elif _INVISIBLE.search(value):
            self.error(name, _("The text contains control characters; please type it again."))
        elif len(value) > max_length:
            self.error(name, ngettext("At most %(num)s character.", "At most %(num)s characters.", max_length))
        elif len(value) < min_length:
            self.error(name, ngettext("At least %(num)s character.", "At least %(num)s characters.", min_length))
        return value

    def pattern(self, name: str, regex: str, message: str, *, required: bool = True, max_length: int = 64) -> str:
        value = self.text(name, required=required, max_length=max_length)
        if value and name not in self.errors and not re.fullmatch(regex, value):
            self.error(name, message)
        return value

    def choice(self, name: str, choices: Iterable[str], *, required: bool = True) -> str:
        value = self.raw(name)
        self.values[name] = value
        if not value:
            if required:
                self.error(name, _("Choose one of the options."))
        elif value not in set(choices):
            self.error(name, _("This option is not available."))
        return value

    def choices(self, name: str, choices: Iterable[str], *, required: bool = False) -> list[str]:
        allowed = set(choices)
        values = list(dict.fromkeys(self._all(name)))
        self.values[name] = values
        if any(value not in allowed for value in values):
            self.error(name, _("This option is not available."))
        elif required and not values:
            self.error(name, _("Choose at least one option."))
        return [value for value in values if value in allowed]

    def uuids(self, name: str) -> list[UUID]:
        result: list[UUID] = []
        values = [value for value in self._all(name) if value.strip()]  # an empty select means "none chosen"
        self.values[name] = values
        for value in values:
            try:
                result.append(UUID(value))
            except ValueError:
                self.error(name, _("This option is not available."))
        return result

    def date(
        self,
        name: str,
        *,
        required: bool = False,
        earliest: date | None = None,
        latest: date | None = None,
    ) -> date | None:
        """A date as YYYY-MM-DD within [earliest, latest] (by default 1900–2199: anything else is a typo)."""
        value = self.text(name, required=required, max_length=10)
        if not value or name in self.errors:
            return None
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.error(name, _("Enter a date as YYYY-MM-DD."))
            return None
        low, high = earliest or EARLIEST_DATE, latest or LATEST_DATE
        if not low <= day <= high:
            self.error(
                name,
                _("Enter a date from %(low)s to %(high)s.", low=format_date(low), high=format_date(high)),
            )
            return None
        return day

    def integer(
        self, name: str, *, required: bool = False, minimum: int | None = None, maximum: int | None = None
    ) -> int | None:
        """A whole number within [minimum, maximum] (by default what an integer column holds)."""
        value = self.text(name, required=required, max_length=MAX_FIELD_LENGTH)
        if not value or name in self.errors:
            return None
        if not re.fullmatch(r"[+-]?\d+", value):
            self.error(name, _("Enter a whole number."))
            return None
        number = int(value) if len(value) <= 20 else MAX_INTEGER + 1
        if minimum is not None and maximum is not None and not minimum <= number <= maximum:
            self.error(name, _("Enter a number from %(low)s to %(high)s.", low=minimum, high=maximum))
            return None
        self._bounds(name, Decimal(number), minimum, maximum if maximum is not None else MAX_INTEGER)
        return None if name in self.errors else number

    def decimal(
        self,
        name: str,
        *,
        required: bool = False,
        places: int = 2,
        minimum: Decimal | None = None,
        maximum: Decimal | None = None,
        whole: bool = False,
    ) -> Decimal | None:
        """A finite number typed the Polish way ("1 234,50") or the English way ("1234.50") — no exponents,
        NaN or infinity — with at most `places` decimals (none when `whole`: pieces, packs, kits) and within
        [minimum, maximum] (by default at most 99,999,999)."""
        value = self.text(name, required=required, max_length=MAX_FIELD_LENGTH)
        if not value or name in self.errors:
            return None
        cleaned = value.replace("\u00a0", "").replace(" ", "").replace("zł", "").replace(",", ".")
        if not _PLAIN_NUMBER.fullmatch(cleaned):
            self.error(name, _("Enter a number, e.g. 1234,50."))
            return None
        number = Decimal(cleaned) if len(cleaned) <= 24 else Decimal("Infinity")  # longer: far above any maximum
        if whole and number.is_finite() and number != number.to_integral_value():
            self.error(name, _("Enter a whole number: this is counted in whole units."))
            return None
        if number.is_finite() and number.normalize().as_tuple().exponent < -places:  # type: ignore[operator]
            self.error(
                name,
                ngettext(
                    "Enter a number with at most %(num)s decimal place.",
                    "Enter a number with at most %(num)s decimal places.",
                    places,
                ),
            )
            return None
        self._bounds(name, number, minimum, maximum if maximum is not None else MAX_NUMBER)
        return None if name in self.errors else number

    def _bounds(self, name: str, number: Decimal, minimum: Decimal | int | None, maximum: Decimal | int) -> None:
        if minimum is not None and number < minimum:
            if minimum == 0:
                self.error(name, _("The number cannot be negative."))
            else:
                self.error(name, _("The number cannot be below %(n)s.", n=format_number(minimum)))
        elif not number.is_finite() or number > maximum:
            self.error(name, _("The number cannot be above %(n)s.", n=format_number(maximum)))

    def boolean(self, name: str) -> bool:
        value = self.raw(name).lower() in {"on", "true", "1", "yes"}
        self.values[name] = value
        return value
