"""One small form pattern: read fields, collect an error per field, re-render with the values and errors.

Handlers read `await request.form()` into a `Form`, call its field readers, and either act on the values or render
the page again with `form` in the context (status 422); templates show `form.errors[name]` next to each field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

from logistics.web.i18n import gettext as _

MAX_FIELD_LENGTH = 2000


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

    def raw(self, name: str) -> str:
        values = self._all(name)
        return values[-1].strip() if values else ""

    def error(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, *, required: bool = True, max_length: int = 200, min_length: int = 0) -> str:
        value = self.raw(name)
        self.values[name] = value[:MAX_FIELD_LENGTH]
        if not value:
            if required:
                self.error(name, _("This field is required."))
        elif len(value) > max_length:
            self.error(name, _("At most %(n)s characters.", n=max_length))
        elif len(value) < min_length:
            self.error(name, _("At least %(n)s characters.", n=min_length))
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
        values = self._all(name)
        self.values[name] = values
        for value in values:
            try:
                result.append(UUID(value))
            except ValueError:
                self.error(name, _("This option is not available."))
        return result

    def boolean(self, name: str) -> bool:
        value = self.raw(name).lower() in {"on", "true", "1", "yes"}
        self.values[name] = value
        return value
