"""The night desk's first hour: natural order of labels, the hand-off from quick registration into check-in, exact
card/PESEL matches, "show more", the coordinator's override, bed-nights, "as of" and mixed places, confirmations."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from logistics import codes
from logistics.audit.models import AuditEntry
from logistics.core.i18n import local_zone
from logistics.people.cards import CardService
from logistics.people.models import Person
from logistics.shelter.models import BedAssignment, Stay
from logistics.shelter.occupancy import bed_nights, night_of, nights_held, tonight
from logistics.shelter.sorting import natural_key

from ..conftest import login
from ..helpers import count, db_session, post_form
from .helpers import CASE_WORKER, make_person, make_rooms


def test_natural_key_orders_numbers_by_value():
    labels = ["10", "2", "1", "11", "Sala 10", "Sala 2", "sala 3", "A10", "A9"]
    assert sorted(labels, key=natural_key) == ["1", "2", "10", "11", "A9", "A10", "Sala 2", "sala 3", "Sala 10"]


def test_a_bed_night_is_a_night_the_stay_held_a_bed():
    zone = local_zone()
    evening = datetime(2026, 11, 10, 20, 0, tzinfo=zone)
    assert nights_held(evening, evening + timedelta(hours=12)) == [night_of(evening)]  # left in the morning: 1
    assert nights_held(evening, evening + timedelta(hours=2)) == []  # left the same evening: none
    small_hours = datetime(2026, 11, 11, 2, 0, tzinfo=zone)  # brought in at 2 a.m.: the night of the 10th
    assert nights_held(small_hours, small_hours + timedelta(hours=6)) == [evening.date()]
    three_nights = nights_held(evening, None, until=evening.date() + timedelta(days=2))
    assert three_nights == [evening.date() + timedelta(days=n) for n in range(3)]  # still there: up to `until`


async def test_labels_sort_naturally_on_the_map_roll_call_and_proposals(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 10", "men", 1, False), ("Sala 2", "men", 11, False)])
    man = await make_person(app, "Marek", "male")
    await login(client, "shelter")
    page = (await client.get(f"/shelter/sites/{people.site_a.id}")).text
    assert page.index("Sala 2") < page.index("Sala 10")
    assert page.index("<strong>9</strong>") < page.index("<strong>10</strong>") < page.index("<strong>11</strong>")
    proposals = (await client.get("/shelter/check-in", params={"person": str(man.id)})).text
    assert proposals.index("Sala 2 · łóżko 2 ") < proposals.index("Sala 2 · łóżko 10 ")
    assert proposals.index("Sala 2 · łóżko 11 ") < proposals.index("Sala 10 · łóżko 1 ")
    for bed in (beds["Sala 2"][9], beds["Sala 2"][1]):  # beds 10 and 2
        other = await make_person(app, f"Jan{bed.label}", "male")
        await post_form(client, "/shelter/check-in", {"person": str(other.id), "bed": str(bed.id)})
    sheet = (await client.get(f"/shelter/sites/{people.site_a.id}/roll-call")).text
    assert sheet.index("Sala 2 / 2<") < sheet.index("Sala 2 / 10<")


async def test_quick_registration_from_check_in_continues_into_check_in(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "women", 1, False)])
    await login(client, "shelter")
    check_in = (await client.get("/shelter/check-in")).text
    assert 'href="/people/quick?next=/shelter/check-in"' in check_in
    form = (await client.get("/people/quick", params={"next": "/shelter/check-in"})).text
    assert 'name="next" value="/shelter/check-in"' in form
    data = {"given_name": "Halina", "sex": "female", "birth_year": "1960", "next": "/shelter/check-in"}
    response = await post_form(client, "/people/quick", data)
    async with db_session(app) as session:
        person = await session.scalar(select(Person).where(Person.given_name == "Halina"))
    assert person is not None
    assert response.status_code == 303
    assert response.headers["location"] == f"/shelter/check-in?person={person.id}"
    step = (await client.get(response.headers["location"])).text
    assert "Halina" in step and str(beds["Sala 1"][0].id) in step
    # Anything but our own check-in page is ignored: back to an empty form, never to another site.
    for elsewhere in ("https://example.com/", "//example.com", "/shelter/check-in?bed=x&next=https://e.com"):
        page = (await client.get("/people/quick", params={"next": elsewhere})).text
        assert 'name="next"' not in page.split('action="/people/quick"', 1)[1]
        data = {"given_name": "Irena", "sex": "female", "birth_year": "1961", "next": elsewhere}
        response = await post_form(client, "/people/quick", data)
        assert response.headers["location"] == "/people/quick"


async def test_a_card_code_or_pesel_opens_the_person_and_a_misread_code_says_so(app, client, people):
    await make_rooms(app, people.site_a.id, [("Sala 1", "men", 1, False)])
    man = await make_person(app, "Marek", "male")
    async with db_session(app) as session:
        card = await CardService(session, CASE_WORKER).issue(man.id)
        await session.commit()
    await login(client, "shelter")
    page = await client.get("/shelter/check-in", params={"q": codes.format_code(card.code)})
    assert page.status_code == 200
    assert "Marek Testowy" in page.text and 'class="proposals"' in page.text  # straight to the beds
    misread = card.code[:-1] + ("0" if card.code[-1] != "0" else "1")
    page = await client.get("/shelter/check-in", params={"q": codes.format_code(misread)})
    assert page.status_code == 422
    assert "To nie jest poprawny kod karty." in page.text
    assert "Nikogo nie znaleziono" not in page.text
    name = await client.get("/shelter/check-in", params={"q": "Marek"})  # by name: a list to choose from
    assert 'class="result-list"' in name.text and 'class="proposals"' not in name.text


async def test_every_fitting_bed_can_be_seen_and_the_site_is_named(app, client, people):
    await make_rooms(app, people.site_a.id, [("Sala 1", "men", 15, False)])
    man = await make_person(app, "Marek", "male")
    await login(client, "shelter")
    page = (await client.get("/shelter/check-in", params={"person": str(man.id)})).text
    assert page.count('action="/shelter/check-in"') == 15  # every fitting bed, not the first 12
    assert "Pokaż jeszcze 3 łóżka" in page
    assert "Noclegownia A · Sala 1 · łóżko 1 " in page


async def test_the_coordinators_override_is_reachable_and_logged(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Damska", "women", 1, False)])
    man = await make_person(app, "Marek", "male")
    await login(client, "shelter")
    page = (await client.get("/shelter/check-in", params={"person": str(man.id)})).text
    assert "wyjątek koordynatora" not in page  # shelter staff may not override
    refused = await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(beds["Damska"][0].id)})
    assert refused.status_code == 422
    assert "(damska)" in refused.text and "(women)" not in refused.text  # the category in the user's language
    client.cookies.clear()
    await login(client, "coordinator")
    page = (await client.get("/shelter/check-in", params={"person": str(man.id)})).text
    assert "Sale innej kategorii" in page and 'name="override" value="on"' in page
    data = {"person": str(man.id), "bed": str(beds["Damska"][0].id), "override": "on"}
    assert (await post_form(client, "/shelter/check-in", data)).status_code == 303
    assert await count(app, Stay, Stay.person_id == man.id) == 1
    assert await count(app, AuditEntry, AuditEntry.action == "stay.category_override") == 1


async def test_bed_nights_per_stay_person_and_site(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Sala 1", "men", 2, False)])
    man = await make_person(app, "Marek", "male")
    await login(client, "shelter")
    await post_form(client, "/shelter/check-in", {"person": str(man.id), "bed": str(beds["Sala 1"][0].id)})
    async with db_session(app) as session:
        stay = await session.scalar(select(Stay))
        four_nights_ago = datetime.now(UTC) - timedelta(days=4)
        await session.execute(update(Stay).values(started_at=four_nights_ago))
        await session.execute(update(BedAssignment).values(started_at=four_nights_ago))
        await session.commit()
    # A move tonight does not count tonight twice.
    assert (await post_form(client, f"/shelter/stays/{stay.id}/move", {"bed": str(beds["Sala 1"][1].id)})).status_code
    async with db_session(app) as session:
        counted = await bed_nights(session, person_id=man.id)
        period = await bed_nights(session, site_ids=[people.site_a.id], first=tonight() - timedelta(days=1))
    assert counted.by_stay == {stay.id: 5} and counted.by_site == {people.site_a.id: 5}
    assert period.total == 2
    stay_page = await client.get(f"/shelter/stays/{stay.id}")
    assert stay_page.status_code == 200 and '<dd id="bed-nights"><strong>5</strong>' in stay_page.text
    section = await client.get(f"/shelter/people/{man.id}/stays")
    assert section.status_code == 200 and "Osobonoclegi" in section.text and ">5<" in section.text
    stranger = await make_person(app, "Obcy", "male")  # never stayed at the shelter staff's sites
    assert (await client.get(f"/shelter/people/{stranger.id}/stays")).status_code == 404
    client.cookies.clear()
    await login(client, "coordinator")
    record = await client.get(f"/people/{man.id}")
    assert f'hx-get="/shelter/people/{man.id}/stays"' in record.text  # the record's page loads the section
    first = (tonight() - timedelta(days=2)).isoformat()
    history = await client.get("/shelter/history/", params={"first": first})
    assert history.status_code == 200 and "<td>Noclegownia A</td><td>3</td>" in history.text
    export = await client.get("/shelter/history/bed-nights.csv", params={"first": first})
    rows = {row["site"]: row for row in csv.DictReader(io.StringIO(export.text))}
    assert rows["Noclegownia A"]["bed_nights"] == "3" and rows["Schronisko B"]["bed_nights"] == "0"
    bad = await client.get("/shelter/history/", params={"first": tonight().isoformat(), "last": first})
    assert bad.status_code == 422


async def test_mixed_places_count_in_their_own_category_and_lists_say_as_of_when(app, client, people):
    await make_rooms(app, people.site_a.id, [("Sala ogrzewalni", "mixed", 3, False), ("Męska", "men", 1, False)])
    await login(client, "coordinator")
    export = await client.get("/shelter/free.csv")
    row = next(r for r in csv.DictReader(io.StringIO(export.text)) if r["site"] == "Noclegownia A")
    assert (row["free"], row["free_men"], row["free_mixed"]) == ("4", "1", "3")
    assert row["as_of"].startswith(datetime.now(local_zone()).date().isoformat())
    for url in ("/shelter/free", "/shelter/board"):
        page = (await client.get(url)).text
        assert "Stan na " in page and "<th>Koedukacyjna</th>" in page.replace(' scope="col"', "")
        assert "<td>3</td>" in page


async def test_women_are_marked_in_the_feminine_and_destructive_actions_ask_first(app, client, people):
    beds = await make_rooms(app, people.site_a.id, [("Damska", "women", 1, False), ("Męska", "men", 1, True)])
    woman = await make_person(app, "Ewa", "female")
    await login(client, "shelter")
    await post_form(client, "/shelter/check-in", {"person": str(woman.id), "bed": str(beds["Damska"][0].id)})
    await post_form(client, f"/shelter/beds/{beds['Męska'][0].id}/hold", {"note": "skierowanie"})
    sheet = (await client.get(f"/shelter/sites/{people.site_a.id}/roll-call")).text
    assert ">Obecna</button>" in sheet and ">Nieobecna</button>" in sheet and ">Obecny<" not in sheet
    page = (await client.get(f"/shelter/sites/{people.site_a.id}")).text
    assert 'hx-confirm="Wypisać: Ewa Testowy?' in page
    assert 'hx-confirm="Zakończyć rezerwację łóżka 1?' in page
