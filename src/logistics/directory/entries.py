"""What an entry of the directory is made of, read and checked the same way from the add/edit form and from a row
of an imported CSV file: every problem is named on its field, in the user's language, and nothing is cut or
guessed."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from logistics.core.i18n import format_date, local_today, ngettext
from logistics.core.i18n import gettext as _
from logistics.directory.labels import CATEGORIES, LANGUAGES

#: The text fields of an entry and their longest allowed value (the columns' sizes; long texts 2,000).
TEXT_FIELDS: dict[str, int] = {
    "institution": 160,
    "name": 160,
    "name_en": 160,
    "name_uk": 160,
    "offers": 2000,
    "offers_en": 2000,
    "offers_uk": 2000,
    "eligibility": 2000,
    "eligibility_en": 2000,
    "eligibility_uk": 2000,
    "address": 200,
    "district": 80,
    "opening_hours": 200,
    "phone": 40,
    "email": 120,
    "website": 200,
}
REQUIRED = ("institution", "name")
#: The earliest verification date accepted (anything before is a typo).
EARLIEST_VERIFIED = date(2000, 1, 1)
_INVISIBLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"[+-]?\d{1,3}([.,]\d{1,12})?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_WEBSITE = re.compile(r"(https?://)?[^\s/$.?#][^\s]*\.[^\s]+", re.IGNORECASE)
YES = {"yes", "tak", "true", "1", "y", "t", "так", "так."}
NO = {"no", "nie", "false", "0", "n", "f", "ні"}


@dataclass
class ServiceInput:
    """An entry as typed: what `DirectoryService.create` and `update` save."""

    institution: str
    name: str
    categories: list[str]
    languages: list[str] = field(default_factory=list)
    name_en: str = ""
    name_uk: str = ""
    offers: str = ""
    offers_en: str = ""
    offers_uk: str = ""
    eligibility: str = ""
    eligibility_en: str = ""
    eligibility_uk: str = ""
    address: str = ""
    district: str = ""
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: str = ""
    phone: str = ""
    email: str = ""
    website: str = ""
    referral_required: bool = False
    verified_on: date | None = None

    def texts(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in TEXT_FIELDS}


def check_text(value: str, max_length: int, *, required: bool = False) -> str | None:
    """The problem with a text value, or None."""
    if not value:
        return _("This field is required.") if required else None
    if _INVISIBLE.search(value):
        return _("The text contains control characters; please type it again.")
    if len(value) > max_length:
        return ngettext("At most %(num)s character.", "At most %(num)s characters.", max_length)
    return None


def parse_codes(value: str) -> list[str]:
    """ "legal; refugees" → ["legal", "refugees"] (lower case, each once)."""
    return list(dict.fromkeys(part.strip().lower() for part in re.split(r"[;,]", value) if part.strip()))


def parse_coordinate(value: str, limit: float) -> float | None:
    """A latitude (limit 90) or longitude (limit 180) as a decimal number; ValueError when it is not one."""
    text = value.strip()
    if not _NUMBER.fullmatch(text):
        raise ValueError(text)
    number = float(text.replace(",", "."))
    if not -limit <= number <= limit:
        raise ValueError(text)
    return number


def parse_yes_no(value: str, *, default: bool) -> bool:
    """yes/no, tak/nie, true/false, 1/0 (any case); empty → `default`; ValueError otherwise."""
    text = value.strip().casefold()
    if not text:
        return default
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(text)


def read_entry(
    text: Callable[[str], str],
    categories: list[str],
    languages: list[str],
    referral_required: bool,
) -> tuple[ServiceInput | None, dict[str, str]]:
    """An entry from its fields (`text(name)` gives a field's raw value: the texts, "latitude", "longitude",
    "verified_on"), or the problems by field name."""
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    for name, max_length in TEXT_FIELDS.items():
        value = text(name).strip()
        problem = check_text(value, max_length, required=name in REQUIRED)
        if problem:
            errors[name] = problem
        values[name] = value
    if values["email"] and "email" not in errors and not _EMAIL.fullmatch(values["email"]):
        errors["email"] = _("Enter an e-mail address, e.g. biuro@example.org.")
    if values["website"] and "website" not in errors:
        if not _WEBSITE.fullmatch(values["website"]):
            errors["website"] = _("Enter a web address, e.g. https://example.org.")
        elif not values["website"].lower().startswith(("http://", "https://")):
            values["website"] = "https://" + values["website"]
    if not categories:
        errors["category"] = _("Choose at least one category.")
    else:
        unknown = [code for code in categories if code not in CATEGORIES]
        if unknown:
            errors["category"] = _(
                "Unknown category: %(codes)s. Use: %(known)s.", codes=", ".join(unknown), known=", ".join(CATEGORIES)
            )
    unknown = [code for code in languages if code not in LANGUAGES]
    if unknown:
        errors["languages"] = _(
            "Unknown language code: %(codes)s. Use: %(known)s.", codes=", ".join(unknown), known=", ".join(LANGUAGES)
        )
    latitude = longitude = None
    raw_latitude, raw_longitude = text("latitude").strip(), text("longitude").strip()
    if len(raw_latitude) > 40 or len(raw_longitude) > 40:
        errors["latitude"] = _("Enter the latitude as a number from -90 to 90, e.g. 50.2945.")
    else:
        try:
            latitude = parse_coordinate(raw_latitude, 90) if raw_latitude else None
        except ValueError:
            errors["latitude"] = _("Enter the latitude as a number from -90 to 90, e.g. 50.2945.")
        try:
            longitude = parse_coordinate(raw_longitude, 180) if raw_longitude else None
        except ValueError:
            errors["longitude"] = _("Enter the longitude as a number from -180 to 180, e.g. 18.6714.")
        if "latitude" not in errors and "longitude" not in errors and (latitude is None) != (longitude is None):
            errors["latitude" if latitude is None else "longitude"] = _(
                "Give both the latitude and the longitude, or neither."
            )
    verified_on = None
    raw_date = text("verified_on").strip()
    if raw_date:
        try:
            if len(raw_date) != 10:
                raise ValueError(raw_date)
            verified_on = date.fromisoformat(raw_date)
        except ValueError:
            errors["verified_on"] = _("Enter a date as YYYY-MM-DD.")
        else:
            today = local_today()
            if not EARLIEST_VERIFIED <= verified_on <= today:
                errors["verified_on"] = _(
                    "Enter a date from %(low)s to %(high)s.",
                    low=format_date(EARLIEST_VERIFIED),
                    high=format_date(today),
                )
    if errors:
        return None, errors
    return (
        ServiceInput(
            categories=categories,
            languages=languages,
            latitude=latitude,
            longitude=longitude,
            referral_required=referral_required,
            verified_on=verified_on,
            **values,
        ),
        {},
    )
