"""Babel message catalogs, the current locale, and locale-aware formatting (times shown in Europe/Warsaw)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.support import LazyProxy, NullTranslations, Translations

from logistics.settings import LOCALES, get_settings

LANGUAGE_NAMES = {"pl": "Polski", "en": "English", "uk": "Українська"}

_locale: ContextVar[str | None] = ContextVar("locale", default=None)


def get_locale() -> str:
    return _locale.get() or get_settings().default_locale


def set_locale(locale: str) -> None:
    _locale.set(locale if locale in LOCALES else None)


@contextmanager
def in_locale(locale: str) -> Iterator[None]:
    """Messages for someone else (a notification in the recipient's language): `gettext` uses `locale` inside."""
    token = _locale.set(locale if locale in LOCALES else None)
    try:
        yield
    finally:
        _locale.reset(token)


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> NullTranslations:
    return Translations.load(str(get_settings().translations_dir), [locale], domain="messages")


def gettext(message: str, **variables: Any) -> str:
    text = translations(get_locale()).gettext(message)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, n: int, **variables: Any) -> str:
    text = translations(get_locale()).ngettext(singular, plural, n)
    return text % {"num": n, **variables}


_ = gettext


def lazy_gettext(message: str) -> LazyProxy:
    """A message translated when it is shown, for module-level labels."""
    return LazyProxy(gettext, message, enable_cache=False)


_l = lazy_gettext


def local_zone() -> ZoneInfo:
    """The organisation's time zone (LOGISTICS_TIMEZONE): times are stored in UTC and shown in this one."""
    return ZoneInfo(get_settings().timezone)


def local_today() -> date:
    """Today in the organisation's time zone — not the server's, which is often UTC: between midnight in Warsaw
    and midnight UTC the two disagree about which day it is."""
    return datetime.now(local_zone()).date()


def day_start(day: date) -> datetime:
    """Midnight at the start of `day` in the organisation's time zone (for filters by local day)."""
    return datetime.combine(day, time(), local_zone())


def local_time(value: datetime) -> datetime:
    return value.astimezone(local_zone())


# One format per language for each kind — a day, a day with a time, a time — on pages, PDFs and messages alike,
# always in the organisation's time zone. Numeric days in Polish and Ukrainian (as on Polish and Ukrainian forms),
# an unambiguous "1 Dec 2026" in English; 24-hour times everywhere.
DATE_FORMATS = {"pl": "dd.MM.yyyy", "uk": "dd.MM.yyyy", "en": "d MMM yyyy"}


def _date_pattern(locale: str) -> str:
    return DATE_FORMATS.get(locale, DATE_FORMATS["pl"])


def format_datetime(value: datetime | None, format: str | None = None, *, seconds: bool = False) -> str:
    """A moment as the day and the time in the organisation's time zone ("01.12.2026, 15:30" in Polish); with
    `seconds` the time has seconds (logs). `format` is a Babel pattern for the rare special case."""
    if value is None:
        return ""
    locale = get_locale()
    moment = local_time(value)
    if format and format not in {"short", "medium"}:
        return dates.format_datetime(moment, format=format, locale=Locale.parse(locale))
    day = _format_date(moment.date(), _date_pattern(locale), locale)
    return f"{day}, {format_time(moment, seconds=seconds)}"


def format_time(value: datetime | time | None, *, seconds: bool = False) -> str:
    """The time of day ("15:30"); a moment (datetime) is shown in the organisation's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value).time() if value.tzinfo else value.time()
    return value.strftime("%H:%M:%S" if seconds else "%H:%M")


def format_date(value: date | None, format: str | None = None) -> str:
    """A day ("01.12.2026" in Polish, "1 Dec 2026" in English). A moment (datetime) is first moved into the
    organisation's time zone: 23:30 UTC on 1 December is already 2 December in Warsaw. `format` is a Babel pattern
    for the rare special case (a weekday heading); "short" and "medium" mean the one format."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = local_time(value).date() if value.tzinfo else value.date()
    locale = get_locale()
    if not format or format in {"short", "medium"}:
        format = _date_pattern(locale)
    return _format_date(value, format, locale)


def format_weekday(value: date) -> str:
    """A day heading with its weekday ("wtorek, 01.12.2026")."""
    locale = get_locale()
    weekday = _format_date(value, "EEEE", locale)
    return f"{weekday}, {format_date(value)}"


def format_number(value: int | Decimal | float | None) -> str:
    if value is None:
        return ""
    return _format_number(value, get_locale())


def format_figure(value: int | Decimal | float | None) -> str:
    """A report's figure: as `format_number`, except that an amount in zł (a `Decimal` with two places, as money
    columns give) keeps both places ("250,50", not "250,5")."""
    if isinstance(value, Decimal) and value.is_finite() and value.as_tuple().exponent == -2:
        return numbers.format_decimal(value, format="#,##0.00", locale=Locale.parse(get_locale()))
    return format_number(value)


# Long tables (a warehouse's 3,000 lots) repeat the same dates and quantities: Babel's formatting costs ~7 µs a
# call, so the results are kept (they depend only on the value, the format and the locale).
@lru_cache(maxsize=8192)
def _format_date(value: date, format: str, locale: str) -> str:
    return dates.format_date(value, format=format, locale=Locale.parse(locale))


@lru_cache(maxsize=8192)
def _format_number(value: int | Decimal | float, locale: str) -> str:
    return numbers.format_decimal(value, locale=Locale.parse(locale))


def localized(thing: Any, field: str) -> Any:
    """`thing.<field>` in the user's language: `<field>_uk` in Ukrainian, `<field>_en` in English when the record
    has that attribute and it is filled in, else the Polish `<field>` (e.g. `localized(activity, "title")`)."""
    locale = get_locale()
    if locale != "pl":
        translated = getattr(thing, f"{field}_{locale}", None)
        if isinstance(translated, str) and translated.strip():
            return translated
    return getattr(thing, field)


def format_money(value: Decimal | None) -> str:
    """Amounts in zł with two decimals in the user's number format (e.g. 2 676,50 zł in Polish)."""
    if value is None:
        return ""
    return numbers.format_currency(value, "PLN", format="#,##0.00 ¤", locale=Locale.parse(get_locale()))
