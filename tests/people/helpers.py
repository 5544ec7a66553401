"""Registry test data: valid people built with real PESEL numbers."""

from __future__ import annotations

from datetime import date
from typing import Any

from markupsafe import escape

from logistics.core.i18n import gettext, in_locale
from logistics.people.pesel import make_pesel

from ..helpers import post_form

ANNA = {
    "given_name": "Anna",
    "family_name": "Kowalska",
    "birth_date": "1985-03-14",
    "sex": "female",
    "citizenship": "PL",
    "pesel": make_pesel(date(1985, 3, 14), "female", 321),
    "phone": "+48 601 222 333",
    "preferred_language": "pl",
    "clause_given_on": "2026-11-02",
    "clause_basis": "legal_obligation",
}


def person(**changes: Any) -> dict[str, Any]:
    return {**ANNA, **changes}


async def register(client: Any, **changes: Any) -> Any:
    return await post_form(client, "/people/new", person(**changes))


def shown(message: str, **variables: Any) -> str:
    """`message` as a page in Polish (the tests' language) shows it: translated when the catalog has it (new
    messages are in English until it does), HTML-escaped; callables among `variables` (a date or an amount to
    format) are called in Polish."""
    with in_locale("pl"):
        values = {name: value() if callable(value) else value for name, value in variables.items()}
        return str(escape(gettext(message, **values)))
