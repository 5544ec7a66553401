"""The directory's categories and languages said in the user's language."""

from __future__ import annotations

from babel.support import LazyProxy

from logistics.core.i18n import _l
from logistics.directory.models import ServiceCategory

CATEGORIES: dict[str, LazyProxy] = {
    ServiceCategory.WORK: _l("Work and training"),
    ServiceCategory.FAMILY: _l("Family support"),
    ServiceCategory.LEGAL: _l("Free legal aid"),
    ServiceCategory.PSYCHOLOGICAL: _l("Psychological help"),
    ServiceCategory.ADDICTION: _l("Addiction help"),
    ServiceCategory.HEALTH: _l("Health"),
    ServiceCategory.FOOD: _l("Food aid"),
    ServiceCategory.SHELTER: _l("Shelters of other communes"),
    ServiceCategory.EDUCATION: _l("Schools and Polish courses"),
    ServiceCategory.CHILDCARE: _l("Childcare"),
    ServiceCategory.REFUGEES: _l("Refugee support"),
    ServiceCategory.DISABILITY: _l("Disability support"),
}

#: Languages a service may speak (ISO 639-1), each named in the user's language.
LANGUAGES: dict[str, LazyProxy] = {
    "pl": _l("Polish"),
    "uk": _l("Ukrainian"),
    "en": _l("English"),
    "ru": _l("Russian"),
    "de": _l("German"),
    "be": _l("Belarusian"),
    "ka": _l("Georgian"),
    "vi": _l("Vietnamese"),
    "ar": _l("Arabic"),
    "sgn": _l("Polish Sign Language"),
}


def category_label(category: str) -> str:
    return str(CATEGORIES.get(category, category))


def language_label(language: str) -> str:
    return str(LANGUAGES.get(language, language))
