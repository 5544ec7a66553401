"""The citizenship list: countries only (no Babel pseudo-territories), named and sorted in the user's language."""

from __future__ import annotations

from sqlalchemy import select

from logistics.people.countries import country_codes, country_name, country_options, is_country, sort_key
from logistics.people.models import Person

from ..conftest import login
from ..helpers import count, db_session
from .helpers import ANNA, register


def test_only_assigned_iso_codes_are_countries():
    codes = country_codes()
    assert len(codes) == 249  # ISO 3166-1 alpha-2 assigns 249 codes
    assert {"PL", "UA", "DE", "BY", "GB", "PS", "TW"} <= codes
    for pseudo in ("EU", "EZ", "UN", "QO", "XA", "XB", "XK", "ZZ", "AC", "IC", "EA", "DG", "TA", "CP", "CQ", "001"):
        assert pseudo not in codes
        assert not is_country(pseudo)


def test_the_list_in_polish_has_no_pseudo_territories_and_follows_the_polish_alphabet():
    options = country_options("pl")
    names = [name for _code, name in options]
    assert options[:2] == [("PL", "Polska"), ("UA", "Ukraina")]
    for pseudo in ("Pseudoakcenty", "Pseudodwukierunkowe", "strefa euro", "Unia Europejska", "Narody Zjednoczone"):
        assert pseudo not in names
    # Ł between L and M, Ż and Ź after Z — not after every other letter as code points would have it.
    assert names.index("Luksemburg") < names.index("Łotwa") < names.index("Macedonia Północna")
    assert names.index("Sint Maarten") < names.index("Słowacja") < names.index("Somalia")
    assert names[2:] == sorted(names[2:], key=lambda name: sort_key(name, "pl"))


def test_the_list_in_ukrainian_follows_the_ukrainian_alphabet():
    names = [name for _code, name in country_options("uk")]
    assert names[:2] == ["Польща", "Україна"]
    # і and ї come after и and before й; by code point і (U+0456) would sort after every other letter.
    assert names.index("Ізраїль") < names.index("Йорданія") < names.index("Казахстан")
    assert names.index("Ефіопія") < names.index("Єгипет") < names.index("Замбія")


def test_sort_key_orders_by_the_language_alphabet():
    towns = ["Żywiec", "Zabrze", "Łódź", "Lublin", "Mława", "Ćmielów", "Cieszyn", "Dęblin"]
    assert sorted(towns, key=lambda town: sort_key(town, "pl")) == [
        "Cieszyn",
        "Ćmielów",
        "Dęblin",
        "Lublin",
        "Łódź",
        "Mława",
        "Zabrze",
        "Żywiec",
    ]
    assert sorted(["Їжак", "Йогурт", "Іра", "Ива"], key=lambda word: sort_key(word, "uk")) == [
        "Ива",
        "Іра",
        "Їжак",
        "Йогурт",
    ]


def test_country_names_follow_the_language():
    assert country_name("DE", "pl") == "Niemcy"
    assert country_name("DE", "uk") == "Німеччина"
    assert country_name("", "pl") == ""
    assert country_name("ZZ", "pl") == "ZZ"  # an erased record's "other country" is not a country's name


async def test_the_form_offers_countries_only_and_refuses_a_pseudo_territory(app, client, people):
    await login(client, "caseworker")
    page = (await client.get("/people/new")).text
    assert '<option value="DE"' in page and "Niemcy" in page
    for pseudo in ("Pseudoakcenty", "strefa euro", "Unia Europejska", 'value="EU"', 'value="XA"', 'value="QO"'):
        assert pseudo not in page
    response = await register(client, citizenship="EU")
    assert response.status_code == 422
    assert "Ta opcja jest niedostępna." in response.text
    assert await count(app, Person) == 0
    assert (await register(client, citizenship="DE")).status_code == 303
    async with db_session(app) as session:
        anna = await session.scalar(select(Person).where(Person.pesel == ANNA["pesel"]))
    assert anna.citizenship == "DE"
    assert "Niemcy" in (await client.get(f"/people/{anna.id}")).text
