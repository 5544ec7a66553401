"""What a directory search matches: the folded words of a service in every language, and the distance between two
points on the map.

Folding is the registry's (`people.names.fold`: lower case, no diacritics, Cyrillic romanized), so "pomoc prawna",
"POMOC PRAWNA" and "pomoc prawną" find the same entries, and so does a Ukrainian word typed in Cyrillic when the
entry holds its Ukrainian text.
"""

from __future__ import annotations

import math

from logistics.core.i18n import in_locale
from logistics.directory.labels import category_label, language_label
from logistics.directory.models import Service
from logistics.people.names import fold, transliterations

#: Languages whose names and categories' labels are folded into `search_text`.
_LOCALES = ("pl", "en", "uk")


def search_text(service: Service) -> str:
    """The folded words of everything a search may match, each once, space-separated (kept in
    `Service.search_text` on every save)."""
    parts = [
        service.institution,
        service.name,
        service.name_en,
        service.name_uk,
        service.offers,
        service.offers_en,
        service.offers_uk,
        service.eligibility,
        service.eligibility_en,
        service.eligibility_uk,
        service.address,
        service.district,
    ]
    for locale in _LOCALES:
        with in_locale(locale):
            parts += [category_label(category) for category in service.categories]
            parts += [language_label(language) for language in service.languages]
    words: dict[str, None] = {}
    for part in parts:
        for form in transliterations(part) if part else ():
            for word in form.split():
                words[word] = None
    return " ".join(words)


def query_words(query: str) -> list[str]:
    """The folded words of what was typed, each once, at most 8."""
    words: list[str] = []
    for word in fold(query).split():
        if word not in words:
            words.append(word)
    return words[:8]


def distance_km(latitude: float, longitude: float, other_latitude: float, other_longitude: float) -> float:
    """The great-circle distance between two points (haversine, Earth's mean radius 6371 km)."""
    phi1, phi2 = math.radians(latitude), math.radians(other_latitude)
    delta_phi = phi2 - phi1
    delta_lambda = math.radians(other_longitude - longitude)
    a = math.sin(delta_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(delta_lambda / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))
