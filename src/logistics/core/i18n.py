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


def format_datetime(value: datetime | None, format: str = "short") -> str:
    if value is None:
        return ""
    return dates.format_datetime(local_time(value), format=format, locale=Locale.parse(get_locale()))


def format_date(value: date | None, format: str = "medium") -> str:
    if value is None:
        return ""
    return _format_date(value, format, get_locale())


def format_number(value: int | Decimal | float | None) -> str:
    if value is None:
        return ""
    return _format_number(value, get_locale())


# Long tables (a warehouse's 3,000 lots) repeat the same dates and quantities: Babel's formatting costs ~7 µs a
# call, so the results are kept (they depend only on the value, the format and the locale).
@lru_cache(maxsize=8192)
def _format_date(value: date, format: str, locale: str) -> str:
    return dates.format_date(value, format=format, locale=Locale.parse(locale))


@lru_cache(maxsize=8192)
def _format_number(value: int | Decimal | float, locale: str) -> str:
    return numbers.format_decimal(value, locale=Locale.parse(locale))


def format_money(value: Decimal | None) -> str:
    """Amounts in zł with two decimals in the user's number format (e.g. 2 676,50 zł in Polish)."""
    if value is None:
        return ""
    return numbers.format_currency(value, "PLN", format="#,##0.00 ¤", locale=Locale.parse(get_locale()))
