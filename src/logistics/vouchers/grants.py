"""Grants for urgent needs as value vouchers: the categories a grant may be spent on and the legal bases of the
decisions behind them (art. 39–41 of the Social Assistance Act), both configurable (`LOGISTICS_SPEND_CATEGORIES`,
`LOGISTICS_GRANT_BASES`: codes, with a label for a code this module does not know), with their labels in the
user's language. Amounts are `Decimal` złoty with two places (`db.base.Money`), typed through `Form.decimal(...,
places=2)` and shown by `core.i18n.format_money` (the `money` template filter)."""

from __future__ import annotations

from decimal import Decimal

from logistics.core.i18n import _l
from logistics.settings import get_settings, parse_choices

#: The categories the centre's grants are usually spent on (zasiłek celowy: food, medicines, fuel, clothing, ...).
CATEGORY_LABELS = {
    "food": _l("Food"),
    "hygiene": _l("Hygiene and cleaning"),
    "clothing": _l("Clothing and footwear"),
    "medicines": _l("Medicines"),
    "fuel": _l("Fuel"),
    "household": _l("Household items"),
    "school": _l("School supplies"),
}

#: The legal bases of a grant for urgent needs (ustawa o pomocy społecznej).
BASIS_LABELS = {
    "art39": _l("Art. 39 — grant for an urgent need"),
    "art40": _l("Art. 40 — grant after a random event or disaster"),
    "art41": _l("Art. 41 — special grant"),
}

#: The most a value voucher may hold, in zł (a limit on typing, not a legal one).
MAX_AMOUNT = Decimal("100000.00")
#: A spend or an amount in the API: złoty with at most two decimals, e.g. "45.90".
AMOUNT_PATTERN = r"^[0-9]{1,6}(\.[0-9]{1,2})?$"


def categories() -> list[tuple[str, str]]:
    """The configured spending categories: (code, label in the user's language)."""
    return [
        (code, label or str(CATEGORY_LABELS.get(code, code)))
        for code, label in parse_choices(get_settings().spend_categories, "category")
    ]


def legal_bases() -> list[tuple[str, str]]:
    """The configured legal bases of grant decisions: (code, label in the user's language)."""
    return [
        (code, label or str(BASIS_LABELS.get(code, code)))
        for code, label in parse_choices(get_settings().grant_bases, "legal basis")
    ]


def category_label(code: str) -> str:
    return dict(categories()).get(code) or str(CATEGORY_LABELS.get(code, code))


def basis_label(code: str) -> str:
    return dict(legal_bases()).get(code) or str(BASIS_LABELS.get(code, code))
