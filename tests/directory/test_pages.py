"""The directory's pages through HTTP: the live search (words, category, language, near), an entry, the form with
its errors, archive/verify, suggestions, import (bad rows refused, nothing half-imported) and export, the printed
list (PDF text), the public page, the start panel, access per role and hostile input."""

from __future__ import annotations

from typing import Any

import pypdfium2
import pytest
from sqlalchemy import select

from logistics.audit.models import AuditEntry
from logistics.core.i18n import local_today
from logistics.directory.models import Place, Service, ServiceSuggestion

from ..conftest import login
from ..helpers import count, db_session, post_form
from .conftest import row, sample


def pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


async def test_search_page_finds_by_words_category_language(app: Any, client: Any, people: Any, directory: Any) -> None:
    await login(client, "caseworker")
    page = await client.get("/directory")
    assert page.status_code == 200
    assert "Pośrednictwo pracy" in page.text and "Paczki żywnościowe FEPŻ" in page.text
    found = await client.get("/directory", params={"q": "prawna"}, headers={"hx-request": "true"})
    assert found.status_code == 200
    assert "Nieodpłatna pomoc prawna" in found.text and "Pośrednictwo" not in found.text
    assert "<html" not in found.text  # the results block only
    assert "Nieodpłatna pomoc prawna" in (await client.get("/directory", params={"q": "юридична"})).text
    both = await client.get("/directory", params={"q": "pomoc rodzinnych"})
    assert "Nieodpłatna pomoc prawna" in both.text and "Bank Żywności" not in both.text
    food = await client.get("/directory", params={"category": "food"})
    assert "Bank Żywności" in food.text and "Punkt nieodpłatnej" not in food.text
    english = await client.get("/directory", params={"language": "en"})
    assert "Punkt nieodpłatnej" in english.text and "Bank Żywności" not in english.text
    # the food bank was verified in 2020: it carries the warning, the labour office does not
    assert food.text.count('data-warning="verify"') == 1
    labour = await client.get("/directory", params={"category": "work"})
    assert 'data-warning="verify"' not in labour.text
    # case workers may refer and suggest, not edit
    entry = await client.get(f"/directory/{directory['Pośrednictwo pracy']}")
    assert entry.status_code == 200
    assert f"/referrals/new?service={directory['Pośrednictwo pracy']}" in entry.text
    assert "/edit" not in entry.text and "/directory/suggest?service=" in entry.text


async def test_near_sorts_nearest_first_with_distance(app: Any, client: Any, people: Any, directory: Any) -> None:
    await login(client, "volunteer")
    page = await client.get("/directory", params={"near": "ul. Toszecka 12"})
    assert page.status_code == 200
    order = [page.text.index(name) for name in ("Bank Żywności", "Punkt nieodpłatnej", "Powiatowy Urząd")]
    assert order == sorted(order)
    assert "0,1 km" in page.text  # the food bank, about 100 m from the place
    assert "field-error" not in page.text
    unknown = await client.get("/directory", params={"near": "Zielona Góra"}, headers={"hx-request": "true"})
    assert unknown.status_code == 200
    assert 'id="near-message" hx-swap-oob="true"' in unknown.text
    assert "nie jest znane" in unknown.text or "not known" in unknown.text
    assert "km</span>" not in unknown.text
    assert "Bank Żywności" in unknown.text  # the results, alphabetically


async def test_hostile_input_is_refused_not_a_server_error(app: Any, client: Any, people: Any, directory: Any) -> None:
    await login(client, "coordinator")
    # a NUL in a query string is refused for the whole application (400); other control characters on the field
    assert (await client.get("/directory", params={"q": "pomoc\x00"})).status_code == 400
    for params in (
        {"q": "pomoc\x01"},
        {"q": "x" * 5000},
        {"near": "\x07"},
        {"category": "x" * 300},
        {"language": "zz"},
    ):
        response = await client.get("/directory", params=params)
        assert response.status_code == 422, params
    assert (await client.get("/directory/print", params={"service": "not-a-uuid", "lang": "pl"})).status_code == 422
    assert (await client.get("/directory/not-a-uuid/edit")).status_code in {404, 405}
    assert (await client.get("/directory/00000000-0000-0000-0000-000000000000")).status_code == 404
    before = await count(app, Service)
    response = await post_form(
        client, "/directory/new", {"institution": "A\x00B", "name": "x" * 500, "category": "legal", "latitude": "1e400"}
    )
    assert response.status_code == 422
    assert await count(app, Service) == before
    response = await post_form(client, "/directory/import", files={"file": ("x.csv", b"\x00\xff\xfe", "text/csv")})
    assert response.status_code == 422
    assert await count(app, Service) == before


async def test_coordinator_adds_edits_verifies_archives(app: Any, client: Any, people: Any, directory: Any) -> None:
    await login(client, "coordinator")
    form = await client.get("/directory/new")
    assert form.status_code == 200
    bad = await post_form(
        client,
        "/directory/new",
        {"institution": "", "name": "Poradnia", "category": "astrology", "latitude": "95", "longitude": "18.6"},
    )
    assert bad.status_code == 422
    assert bad.text.count('class="field-error"') >= 3
    assert await count(app, Service) == 4
    added = await post_form(
        client,
        "/directory/new",
        {
            "institution": "Ośrodek Interwencji Kryzysowej",
            "name": "Interwencja kryzysowa",
            "name_uk": "Кризова інтервенція",
            "category": ["psychological", "family"],
            "languages": ["pl", "uk"],
            "latitude": "50,29",
            "longitude": "18.67",
            "website": "oik.example.org",
            "referral_required": "on",
        },
    )
    assert added.status_code == 303
    async with db_session(app) as session:
        service = await session.scalar(select(Service).where(Service.name == "Interwencja kryzysowa"))
        assert service is not None
        assert sorted(service.categories) == ["family", "psychological"] and service.languages == ["pl", "uk"]
        assert service.latitude == 50.29 and service.website == "https://oik.example.org"
        assert "kryzova" in service.search_text and "interwencja" in service.search_text
        service_id = service.id
    assert "Interwencja kryzysowa" in (await client.get("/directory", params={"q": "кризова"})).text
    edited = await post_form(
        client,
        f"/directory/{service_id}/edit",
        {"institution": "Ośrodek Interwencji Kryzysowej", "name": "Interwencja", "category": "psychological"},
    )
    assert edited.status_code == 303
    assert (await post_form(client, f"/directory/{service_id}/verify")).status_code == 303
    assert (await post_form(client, f"/directory/{service_id}/archive")).status_code == 303
    async with db_session(app) as session:
        service = await session.get(Service, service_id)
        assert service is not None
        assert service.name == "Interwencja" and service.categories == ["psychological"] and service.languages == []
        assert service.verified_on == local_today() and not service.active
        actions = set(await session.scalars(select(AuditEntry.action).where(AuditEntry.entity_id == str(service_id))))
        assert {"service.create", "service.update", "service.verify", "service.archive"} <= actions
    assert "Interwencja" not in (await client.get("/directory", params={"q": "interwencja"})).text
    archived = await client.get("/directory/archived")
    assert "Interwencja" in archived.text
    assert (await post_form(client, f"/directory/{service_id}/restore")).status_code == 303
    assert "Interwencja" in (await client.get("/directory", params={"q": "interwencja"})).text


async def test_suggestions_from_case_workers_to_coordinators(
    app: Any, client: Any, people: Any, directory: Any
) -> None:
    await login(client, "shelter")
    service_id = directory["Paczki żywnościowe FEPŻ"]
    assert (await client.get(f"/directory/suggest?service={service_id}")).status_code == 200
    empty = await post_form(client, "/directory/suggest", {"service": str(service_id), "text": "  "})
    assert empty.status_code == 422 and "field-error" in empty.text
    sent = await post_form(client, "/directory/suggest", {"service": str(service_id), "text": "Nowe godziny: 8–14"})
    assert sent.status_code == 303
    assert (await post_form(client, "/directory/suggest", {"text": "Nowy punkt na Zatorzu"})).status_code == 303
    assert (await client.get("/directory/suggestions")).status_code == 403
    await login(client, "coordinator")
    home = await client.get("/")
    assert 'data-figure="suggestions">2<' in home.text
    assert 'data-figure="not-verified">2<' in home.text  # the food bank and the never verified counselling
    listing = await client.get("/directory/suggestions")
    assert "Nowe godziny: 8–14" in listing.text and "Nowy punkt na Zatorzu" in listing.text
    async with db_session(app) as session:
        first = await session.scalar(select(ServiceSuggestion).where(ServiceSuggestion.service_id == service_id))
        assert first is not None and first.suggested_by == "shelter"
    assert (await post_form(client, f"/directory/suggestions/{first.id}/resolve")).status_code == 303
    again = await post_form(client, f"/directory/suggestions/{first.id}/resolve", follow_redirects=True)
    assert "already" in again.text or "już" in again.text
    assert await count(app, ServiceSuggestion, ServiceSuggestion.resolved_at.is_(None)) == 1
    await login(client, "caseworker")
    assert (await client.get("/")).status_code == 200


async def test_web_import_refuses_bad_rows_and_changes_nothing(
    app: Any, client: Any, people: Any, directory: Any
) -> None:
    await login(client, "coordinator")
    async with db_session(app) as session:
        before = [
            (service.id, service.name, service.search_text, service.updated_at)
            for service in await session.scalars(select(Service).order_by(Service.id))
        ]
    bad = sample(
        row(institution="Nowa instytucja", name="Dobra usługa", category="legal"),
        row(id=str(directory["Pośrednictwo pracy"]), institution="PUP", name="Zmieniona", category="work"),
        row(institution="", name="Bez instytucji", category="legal"),
        row(institution="X", name="", category="legal"),
        row(institution="X", name="Y", category=""),
        row(institution="X", name="Y", category="astrology"),
        row(institution="X", name="Y", category="legal", languages="pl;klingon"),
        row(institution="X", name="Y", category="legal", latitude="50.1", longitude="200"),
        row(institution="X", name="Y", category="legal", verified_on="15.01.2024"),
        row(institution="X", name="Y", category="legal", active="może"),
        row(id="0190a3c8-0000-7000-8000-000000000000", institution="X", name="Y", category="legal"),
        row(institution="X", name="Y" * 161, category="legal"),
    )
    response = await post_form(client, "/directory/import", files={"file": ("services.csv", bad, "text/csv")})
    assert response.status_code == 422
    for line in range(4, 14):
        assert f"<td>{line}</td>" in response.text, line
    assert "<td>2</td>" not in response.text and "<td>3</td>" not in response.text
    assert "Nieznana kategoria" in response.text or "Unknown category" in response.text
    async with db_session(app) as session:
        after = [
            (service.id, service.name, service.search_text, service.updated_at)
            for service in await session.scalars(select(Service).order_by(Service.id))
        ]
    assert after == before
    unknown_column = b"institution,name,category,colour\nA,B,legal,red\n"
    response = await post_form(client, "/directory/import", files={"file": ("s.csv", unknown_column, "text/csv")})
    assert response.status_code == 422 and "colour" in response.text
    too_many = sample(*[row(institution=f"I{n}", name="N", category="legal") for n in range(2001)])
    response = await post_form(client, "/directory/import", files={"file": ("s.csv", too_many, "text/csv")})
    assert response.status_code == 422 and "2000" in response.text.replace("\xa0", "").replace(" ", "")
    assert await count(app, Service) == 4
    good = sample(row(institution="Nowa instytucja", name="Dobra usługa", category="legal", languages="pl"))
    response = await post_form(client, "/directory/import", files={"file": ("s.csv", good, "text/csv")})
    assert response.status_code == 303
    assert await count(app, Service) == 5


async def test_export_round_trips_through_import(app: Any, client: Any, people: Any, directory: Any) -> None:
    await login(client, "coordinator")
    exported = await client.get("/directory/export.csv")
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert exported.text.splitlines()[0].startswith("id,institution,name,name_en,name_uk,category,languages")
    assert "Безоплатна правова допомога" in exported.text
    back = await post_form(client, "/directory/import", files={"file": ("s.csv", exported.content, "text/csv")})
    assert back.status_code == 303
    assert await count(app, Service) == 4
    assert (await client.get("/directory/export.csv")).content == exported.content


async def test_places_import_and_list(app: Any, client: Any, people: Any, directory: Any) -> None:
    await login(client, "coordinator")
    page = await client.get("/directory/import")
    assert "Sikornik" in page.text
    bad = "name,latitude,longitude\nZatorze,50.30,18.68\nŁabędy,abc,18.6\n,50,18\nSikornik,91,18\n".encode()
    response = await post_form(client, "/directory/places", files={"file": ("p.csv", bad, "text/csv")})
    assert response.status_code == 422
    assert "<td>3</td>" in response.text and "<td>4</td>" in response.text and "<td>5</td>" in response.text
    assert await count(app, Place) == 3
    good = b"name,latitude,longitude\nZatorze,50.30,18.68\nSikornik,50.2851,18.6351\n"
    assert (
        await post_form(client, "/directory/places", files={"file": ("p.csv", good, "text/csv")})
    ).status_code == 303
    assert await count(app, Place) == 4
    near = await client.get("/directory", params={"near": "zatorze"})
    assert "Zatorze" in near.text and "km" in near.text


async def test_printed_list_in_the_chosen_language(app: Any, client: Any, people: Any, directory: Any) -> None:
    await login(client, "volunteer")
    chosen = [str(directory["Pośrednictwo pracy"]), str(directory["Nieodpłatna pomoc prawna"])]
    response = await client.get("/directory/print", params={"service": chosen, "lang": "uk"})
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Посередництво праці" in text and "Безоплатна правова допомога" in text
    assert "Вакансії, навчання" in text
    assert "Де отримати допомогу" in text and "Потрібне направлення від центру" in text  # labels in Ukrainian
    assert "Bank Żywności" not in text
    english = pdf_text((await client.get("/directory/print", params={"service": chosen, "lang": "en"})).content)
    assert "Job placement" in english and "Nieodpłatna pomoc prawna" in english  # no English name: Polish
    assert "Job offers, training" in english
    category = await client.get("/directory/print", params={"category": "food", "lang": "pl"})
    assert category.status_code == 200
    assert "Paczki żywnościowe FEPŻ" in pdf_text(category.content)
    assert (await client.get("/directory/print")).status_code == 200  # the form
    assert (await client.get("/directory/print", params={"lang": "pl"})).status_code == 422
    assert (await client.get("/directory/print", params={"service": chosen, "lang": "de"})).status_code == 422


async def test_public_page_only_when_enabled(app: Any, client: Any, directory: Any, monkeypatch: Any) -> None:
    from logistics.settings import get_settings

    assert (await client.get("/public/services")).status_code == 404
    monkeypatch.setenv("LOGISTICS_PUBLIC_DIRECTORY", "on")
    get_settings.cache_clear()
    page = await client.get("/public/services")
    assert page.status_code == 200
    assert "Pośrednictwo pracy" in page.text
    assert "/directory/" not in page.text and "suggest" not in page.text and "data-warning" not in page.text
    found = await client.get("/public/services", params={"q": "prawna"}, headers={"hx-request": "true"})
    assert "Nieodpłatna pomoc prawna" in found.text and "Pośrednictwo" not in found.text
    assert (await client.get("/public/services", params={"q": "\x01"})).status_code == 422


@pytest.mark.parametrize(
    ("username", "search", "edit", "suggest"),
    [
        ("admin", 200, 200, 403),
        ("coordinator", 200, 200, 403),
        ("caseworker", 200, 403, 200),
        ("shelter", 200, 403, 200),
        ("volunteer", 200, 403, 403),
        ("warehouse", 403, 403, 403),
    ],
)
async def test_access_per_role(
    app: Any, client: Any, people: Any, directory: Any, username: str, search: int, edit: int, suggest: int
) -> None:
    await login(client, username)
    service_id = directory["Pośrednictwo pracy"]
    assert (await client.get("/directory")).status_code == search
    assert (await client.get(f"/directory/{service_id}")).status_code == search
    assert (await client.get("/directory/print")).status_code == search
    for path in (
        "/directory/new",
        f"/directory/{service_id}/edit",
        "/directory/import",
        "/directory/export.csv",
        "/directory/suggestions",
        "/directory/archived",
        "/directory/to-verify",
    ):
        assert (await client.get(path)).status_code == edit, path
    assert (await post_form(client, f"/directory/{service_id}/verify")).status_code == (303 if edit == 200 else 403)
    assert (await client.get("/directory/suggest")).status_code == suggest


async def test_anonymous_goes_to_sign_in(app: Any, client: Any, directory: Any) -> None:
    for path in ("/directory", "/directory/import", "/directory/print"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in {302, 303, 307} and "/login" in response.headers["location"], path


async def test_pages_in_ukrainian_and_english(app: Any, client: Any, people: Any, directory: Any) -> None:
    await login(client, "coordinator")
    await post_form(client, "/language", {"locale": "uk", "next": "/"})
    page = await client.get("/directory", params={"q": "праці"})
    assert page.status_code == 200
    assert "Послуги інших установ" in page.text and "Посередництво праці" in page.text  # the Ukrainian name
    assert "Робота та навчання" in page.text
    unknown = await client.get("/directory", params={"near": "Zielona Góra"})
    assert "Це місце невідоме" in unknown.text
    bad = await post_form(
        client, "/directory/import", files={"file": ("s.csv", b"institution,name\nA,B\n", "text/csv")}
    )
    assert bad.status_code == 422 and "Бракує стовпця: category." in bad.text
    assert "Довідник послуг" in (await client.get("/")).text
    await post_form(client, "/language", {"locale": "en", "next": "/"})
    page = await client.get(f"/directory/{directory['Pośrednictwo pracy']}")
    assert "Job placement" in page.text and "Job offers, training" in page.text
    form = await client.get("/directory/new")
    assert "Service in Ukrainian" in form.text
