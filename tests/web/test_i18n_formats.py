"""One format per language for days, moments and times, always in the organisation's time zone (Europe/Warsaw),
and records' fields in the user's language (`localized`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest

from logistics.core.i18n import format_date, format_datetime, format_time, format_weekday, in_locale, localized


@pytest.mark.parametrize(
    ("locale", "day", "moment"),
    [
        ("pl", "05.03.2026", "05.03.2026, 13:07"),
        ("uk", "05.03.2026", "05.03.2026, 13:07"),
        ("en", "5 Mar 2026", "5 Mar 2026, 13:07"),
    ],
)
def test_each_language_has_one_format_for_days_and_moments(locale, day, moment):
    with in_locale(locale):
        assert format_date(date(2026, 3, 5)) == day
        # The named Babel formats the templates used to pass all mean the one format now.
        assert format_date(date(2026, 3, 5), "short") == format_date(date(2026, 3, 5), "medium") == day
        assert format_datetime(datetime(2026, 3, 5, 12, 7, tzinfo=UTC)) == moment
        assert format_datetime(datetime(2026, 3, 5, 12, 7, 9, tzinfo=UTC), "medium") == moment
        assert format_datetime(datetime(2026, 3, 5, 12, 7, 9, tzinfo=UTC), seconds=True) == moment + ":09"
        assert format_time(time(9, 5)) == "09:05"


def test_utc_moments_are_shown_in_warsaw_time_across_daylight_saving():
    with in_locale("pl"):
        # Winter: UTC+1.
        assert format_datetime(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)) == "15.01.2026, 13:00"
        # Summer (after the last Sunday of March): UTC+2.
        assert format_datetime(datetime(2026, 7, 15, 12, 0, tzinfo=UTC)) == "15.07.2026, 14:00"
        # The night of the change (29 March 2026, 02:00 → 03:00 local): an hour apart in UTC, two apart on the clock.
        assert format_time(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == "01:30"
        assert format_time(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "03:30"
        # Back in October (25 October 2026, 03:00 → 02:00): two UTC hours show the same local hour.
        assert format_time(datetime(2026, 10, 25, 0, 30, tzinfo=UTC)) == "02:30"
        assert format_time(datetime(2026, 10, 25, 1, 30, tzinfo=UTC)) == "02:30"


def test_a_moment_shown_as_a_day_is_the_day_in_warsaw():
    late_evening = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already 2 December in Warsaw
    with in_locale("pl"):
        assert format_date(late_evening) == "02.12.2026"
        assert format_datetime(late_evening) == "02.12.2026, 00:30"


def test_a_weekday_heading_and_nothing_for_no_value():
    with in_locale("pl"):
        assert format_weekday(date(2026, 12, 1)) == "wtorek, 01.12.2026"
        assert format_date(None) == format_datetime(None) == format_time(None) == ""
    with in_locale("uk"):
        assert format_weekday(date(2026, 12, 1)) == "вівторок, 01.12.2026"


@dataclass
class Titled:
    title: str
    title_uk: str = ""
    title_en: str = ""


def test_localized_takes_the_users_language_when_the_record_has_it():
    course = Titled("Język polski A1", title_uk="Польська мова A1")
    with in_locale("uk"):
        assert localized(course, "title") == "Польська мова A1"
        assert localized(Titled("Wyjście do muzeum", title_uk="  "), "title") == "Wyjście do muzeum"
    with in_locale("en"):
        assert localized(course, "title") == "Język polski A1"  # no English title: the Polish one
        assert localized(Titled("Basen", title_en="Swimming pool"), "title") == "Swimming pool"
    with in_locale("pl"):
        assert localized(Titled("Basen", title_uk="Басейн", title_en="Swimming pool"), "title") == "Basen"


@pytest.mark.parametrize(
    ("n", "polish", "ukrainian"),
    [
        (1, "Zajęte jest już 1 miejsce", "Уже зайнято 1 місце"),
        (2, "Zajęte są już 2 miejsca", "Уже зайнято 2 місця"),
        (5, "Zajętych jest już 5 miejsc", "Уже зайнято 5 місць"),
        (12, "Zajętych jest już 12 miejsc", "Уже зайнято 12 місць"),
        (21, "Zajętych jest już 21 miejsc", "Уже зайнято 21 місце"),
        (22, "Zajęte są już 22 miejsca", "Уже зайнято 22 місця"),
    ],
)
def test_counts_take_the_polish_and_ukrainian_plural_forms(n, polish, ukrainian):
    from logistics.core.i18n import ngettext

    def taken() -> str:
        return ngettext(
            "%(num)s place is taken already: the capacity cannot go down to %(capacity)s.",
            "%(num)s places are taken already: the capacity cannot go down to %(capacity)s.",
            n,
            capacity=0,
        )

    with in_locale("pl"):
        assert taken().startswith(polish + ":")
    with in_locale("uk"):
        assert taken().startswith(ukrainian + ":")
    with in_locale("en"):
        assert taken().startswith(f"{n} place is" if n == 1 else f"{n} places are")
