"""Item names and units in the reader's language: items keep a Polish name (the one the catalogue is sorted and
searched by) and optional English and Ukrainian ones; units are stored as short Polish codes ("szt", "opak")."""

from __future__ import annotations

from logistics.core.i18n import _l, get_locale

#: The stored unit codes (`Unit`) and how each language writes them.
UNITS = {"szt": _l("pcs"), "kg": _l("kg"), "l": _l("l"), "opak": _l("pack")}


def item_name(name: str, name_en: str | None = "", name_uk: str | None = "", locale: str | None = None) -> str:
    """The item's name in `locale` (the current one by default) when the catalogue has it, else the Polish one."""
    locale = locale or get_locale()
    translated = {"en": name_en, "uk": name_uk}.get(locale, "")
    return (translated or "").strip() or name


def unit_name(unit: str) -> str:
    """A unit code ("szt") as the current language writes it ("шт" in Ukrainian, "pcs" in English)."""
    label = UNITS.get(unit)
    return str(label) if label is not None else unit
