"""Activity titles in the user's language where the activity has one (`title_uk`), the Polish title otherwise;
times on the pages in the organisation's time zone."""

from __future__ import annotations

from logistics.activities.models import Activity
from logistics.core.i18n import format_time, in_locale

from ..conftest import login
from ..helpers import db_session, post_form


async def test_titles_in_ukrainian_where_the_activity_has_one(app, client, people, classes):
    await login(client, "caseworker")
    course = f"/activities/{classes.course.id}"
    await post_form(client, "/language", {"locale": "uk", "next": "/"})
    listed = await client.get("/activities")
    assert "Польська мова A1" in listed.text and "Język polski A1" not in listed.text
    assert "Wyjście do muzeum" in listed.text  # no Ukrainian title: the Polish one
    page = await client.get(course)
    assert "<h1>Польська мова A1</h1>" in page.text
    week = await client.get(f"/activities/week?venue={classes.venue.id}&day={classes.sessions[0].starts_at.date()}")
    assert week.status_code == 200
    assert "Польська мова A1" in week.text
    with in_locale("uk"):
        assert f"<strong>{format_time(classes.sessions[0].starts_at)}</strong>" in week.text  # Warsaw time, not UTC

    await post_form(client, "/language", {"locale": "pl", "next": "/"})
    assert "<h1>Język polski A1</h1>" in (await client.get(course)).text


async def test_the_capacity_refusal_counts_places_with_the_right_plural_form(app, client, people, classes):
    await login(client, "caseworker")
    url = f"/activities/{classes.course.id}"
    for n in range(1, 3):  # two of the three places
        assert (await post_form(client, f"{url}/sign-up", {"person": str(classes.people[n].id)})).status_code == 303
    refused = await post_form(client, f"{url}/capacity", {"capacity": "1"}, follow_redirects=True)
    assert "Zajęte są już 2 miejsca: liczby miejsc nie można zmniejszyć do 1." in refused.text
    async with db_session(app) as session:
        assert (await session.get(Activity, classes.course.id)).capacity == 3
