"""Shelter pages: occupancy board, a site's room-and-bed map, check-in, check-out, moves, holds, repairs, rooms."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _
from logistics.people.services import PersonService
from logistics.settings import get_settings
from logistics.shelter import labels
from logistics.shelter.occupancy import occupancy
from logistics.shelter.places import BOARD_ROLES, DESK_ROLES, HOLD_ROLES, PLACES_ROLES, PlacesService
from logistics.shelter.stays import BedTaken, StayService
from logistics.shelter.waiting import WaitingService, first_fitting
from logistics.web.dependencies import actor_from_request
from logistics.web.forms import Form
from logistics.web.guards import requires
from logistics.web.layout import register_nav
from logistics.web.responses import attempt, csv_response, flash, refusal, see_other
from logistics.web.templating import render

register_nav(lambda: _("Beds"), "/shelter/board", BOARD_ROLES, order=10)

PUBLIC = {"exclude_from_auth": True}


FREE_PLACES_COLUMNS = [
    "site",
    "address",
    "phone",
    "total",
    "out_of_service",
    "occupied",
    "held",
    "free",
    "free_men",
    "free_women",
    "free_family",
    "free_accessible",
]


def _free_places_rows(rows: list[Any]) -> list[list[object]]:
    return [
        [
            row.site.name,
            row.site.address,
            row.site.phone,
            row.all.total,
            row.all.out_of_service,
            row.all.occupied,
            row.all.held,
            row.all.free,
            row.by_category["men"].free,
            row.by_category["women"].free,
            row.by_category["family"].free,
            row.accessible.free,
        ]
        for row in rows
    ]


class ShelterController(Controller):
    path = "/shelter"

    @get("/board", guards=[requires(*BOARD_ROLES)])
    async def board(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], kind: FromQuery[str] = ""
    ) -> Any:
        """Every site with total / occupied / held / out of service / free; the table refreshes itself."""
        rows = await occupancy(db_session, actor_from_request(request), kind or None)
        return render(
            request,
            "shelter/board.html",
            block="board",
            rows=rows,
            kind=kind,
            labels=labels,
            refresh=get_settings().board_refresh_seconds,
        )

    @get("/free", guards=[requires(*BOARD_ROLES)])
    async def free_places(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        rows = await occupancy(db_session, actor_from_request(request))
        return render(request, "shelter/free.html", rows=rows, public=False)

    @get("/free.csv", guards=[requires(*BOARD_ROLES)], media_type="text/csv")
    async def free_places_csv(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Response[str]:
        rows = await occupancy(db_session, actor_from_request(request))
        return csv_response("free-places.csv", FREE_PLACES_COLUMNS, _free_places_rows(rows))

    @get("/sites/{site_id:uuid}", guards=[requires(*BOARD_ROLES)])
    async def site_map(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], site_id: FromPath[UUID]
    ) -> Any:
        """The room-and-bed map staff use on a tablet: each bed's state, who is in it, what can be done."""
        actor = actor_from_request(request)
        places = PlacesService(db_session, actor)
        stays = StayService(db_session, actor)
        site = await places.shelter_site(site_id)
        return render(
            request,
            "shelter/site.html",
            block="map",
            site=site,
            rooms=await places.rooms(site.id),
            occupants=await stays.occupants(site.id),
            holds=await stays.open_holds(site.id),
            repairs=await places.out_of_service_periods(site.id),
            waiting=await first_fitting(WaitingService(db_session, actor)) if actor.role in HOLD_ROLES else {},
            labels=labels,
            form=Form(),
        )

    # --- rooms and beds ---------------------------------------------------------------------------------------

    @get("/sites/{site_id:uuid}/rooms", guards=[requires(*PLACES_ROLES)])
    async def rooms(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], site_id: FromPath[UUID]
    ) -> Any:
        places = PlacesService(db_session, actor_from_request(request))
        site = await places.shelter_site(site_id)
        return render(
            request, "shelter/rooms.html", site=site, rooms=await places.rooms(site.id), form=Form(), labels=labels
        )

    @post("/sites/{site_id:uuid}/rooms", guards=[requires(*PLACES_ROLES)])
    async def add_room(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], site_id: FromPath[UUID]
    ) -> Any:
        places = PlacesService(db_session, actor_from_request(request))
        site = await places.shelter_site(site_id)
        form = Form(await request.form())
        data = labels.read_room_form(form)
        if data:
            try:
                await places.add_room(site.id, data)
                return see_other(request, f"/shelter/sites/{site.id}/rooms", _("The room has been added."))
            except DomainError as error:
                form.error(error.field or "name", error.message)
        return render(
            request,
            "shelter/rooms.html",
            block="room_form",
            status_code=422,
            site=site,
            rooms=await places.rooms(site.id),
            form=form,
            labels=labels,
        )

    @post("/rooms/{room_id:uuid}/beds", guards=[requires(*PLACES_ROLES)])
    async def add_beds(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], room_id: FromPath[UUID]
    ) -> Any:
        places = PlacesService(db_session, actor_from_request(request))
        room = await places.room(room_id)
        form = Form(await request.form())
        data = labels.read_bulk_form(form)
        try:
            if data is None:
                raise DomainError(next(iter(form.errors.values())))
            beds = await places.add_beds(room.id, data)
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/shelter/sites/{room.site_id}/rooms")
        return see_other(request, f"/shelter/sites/{room.site_id}/rooms", _("%(n)s beds have been added.", n=len(beds)))

    @post("/beds/{bed_id:uuid}/out-of-service", guards=[requires(*(DESK_ROLES | PLACES_ROLES))])
    async def out_of_service(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], bed_id: FromPath[UUID]
    ) -> Any:
        places = PlacesService(db_session, actor_from_request(request))
        form = Form(await request.form())
        reason = form.raw("reason")
        expected_back = form.date("expected_back")
        note = form.text("note", required=False, max_length=200)
        bed = await places.bed(bed_id)
        back = f"/shelter/sites/{bed.site_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        return await attempt(
            request,
            places.take_out_of_service(bed.id, reason, expected_back, note),
            back,
            _("The bed is out of service."),
        )

    @post("/beds/{bed_id:uuid}/back-in-service", guards=[requires(*(DESK_ROLES | PLACES_ROLES))])
    async def back_in_service(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], bed_id: FromPath[UUID]
    ) -> Any:
        places = PlacesService(db_session, actor_from_request(request))
        bed = await places.bed(bed_id)
        return await attempt(
            request, places.return_to_service(bed.id), f"/shelter/sites/{bed.site_id}", _("The bed is back in service.")
        )

    # --- holds --------------------------------------------------------------------------------------------

    @post("/beds/{bed_id:uuid}/hold", guards=[requires(*HOLD_ROLES)])
    async def hold(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], bed_id: FromPath[UUID]
    ) -> Any:
        stays = StayService(db_session, actor_from_request(request))
        bed = await stays.bed(bed_id)
        form = Form(await request.form())
        person = form.uuids("person")
        note = form.text("note", required=False, max_length=200)
        hours = form.integer("hours", minimum=1, maximum=168)
        back = f"/shelter/sites/{bed.site_id}"
        if not form.valid:
            return await attempt(request, refusal(form), back)
        return await attempt(
            request, stays.hold(bed.id, person[0] if person else None, note, hours), back, _("The bed is held.")
        )

    @post("/beds/{bed_id:uuid}/release", guards=[requires(*HOLD_ROLES)])
    async def release(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], bed_id: FromPath[UUID]
    ) -> Any:
        stays = StayService(db_session, actor_from_request(request))
        bed = await stays.bed(bed_id)
        return await attempt(request, stays.release_hold(bed.id), f"/shelter/sites/{bed.site_id}")

    # --- check-in, check-out, move ------------------------------------------------------------------------

    @get("/check-in", guards=[requires(*DESK_ROLES)])
    async def check_in_page(
        self,
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        person: FromQuery[str] = "",
        bed: FromQuery[str] = "",
        q: FromQuery[str] = "",
    ) -> Any:
        """Step 1: find the person (search, card, or quick registration); step 2: the beds that fit."""
        actor = actor_from_request(request)
        people = PersonService(db_session, actor)
        stays = StayService(db_session, actor)
        chosen = proposals = family = None
        current = None
        try:
            chosen = await stays.person(UUID(person)) if person else None
        except (ValueError, NotFound):
            chosen = None
        if chosen is not None:
            current = await stays.open_stay(chosen.id)
            proposals = (await stays.proposals(chosen))[:12]
            family = await stays.family_plan(chosen)
        preselected = None
        if bed:
            try:
                preselected = await stays.bed(UUID(bed))
            except (ValueError, NotFound):
                preselected = None
        results = await people.search(q) if q and chosen is None else []
        return render(
            request,
            "shelter/check_in.html",
            block="step",
            q=q[:100],
            results=results,
            person=chosen,
            current=current,
            proposals=proposals,
            bed=preselected,
            labels=labels,
            family=family,
            message=None,
        )

    @post("/check-in", guards=[requires(*DESK_ROLES)])
    async def check_in(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        actor = actor_from_request(request)
        stays = StayService(db_session, actor)
        form = Form(await request.form())
        person_ids, bed_ids = form.uuids("person"), form.uuids("bed")
        override = form.boolean("override")
        if not person_ids or not bed_ids:
            raise DomainError(_("Choose the person and a bed."))
        try:
            stay = await stays.check_in(person_ids[0], bed_ids[0], override=override)
        except BedTaken as taken:
            person = await stays.person(person_ids[0])
            return render(
                request,
                "shelter/check_in.html",
                status_code=409,
                q="",
                results=[],
                person=person,
                current=None,
                proposals=(await stays.proposals(person))[:12],
                bed=None,
                labels=labels,
                family=None,
                message=taken.message,
            )
        except DomainError as error:
            person = await stays.person(person_ids[0])
            return render(
                request,
                "shelter/check_in.html",
                status_code=422,
                q="",
                results=[],
                person=person,
                current=await stays.open_stay(person.id),
                proposals=(await stays.proposals(person))[:12],
                bed=None,
                labels=labels,
                family=None,
                message=error.message,
            )
        return see_other(request, f"/shelter/sites/{stay.site_id}", _("Checked in."))

    @post("/check-in/family", guards=[requires(*DESK_ROLES)])
    async def check_in_family(self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
        """A parent with children checked in together, one bed each in one family room."""
        stays = StayService(db_session, actor_from_request(request))
        form = Form(await request.form())
        people, beds = form.uuids("person"), form.uuids("bed")
        try:
            if not people or len(people) != len(beds):
                raise DomainError(_("Choose a bed for each member of the family."))
            checked_in = await stays.check_in_family(list(zip(people, beds, strict=True)))
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, f"/shelter/check-in?person={people[0]}" if people else "/shelter/check-in")
        return see_other(
            request,
            f"/shelter/sites/{checked_in[0].site_id}",
            _("The family has been checked in (%(n)s people).", n=len(checked_in)),
        )

    @post("/stays/{stay_id:uuid}/check-out", guards=[requires(*DESK_ROLES)])
    async def check_out(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stay_id: FromPath[UUID]
    ) -> Any:
        stays = StayService(db_session, actor_from_request(request))
        form = Form(await request.form())
        reason = form.raw("reason")
        destination = form.text("destination", required=False, max_length=200)
        stay = await stays.stay(stay_id)
        return await attempt(
            request, stays.check_out(stay.id, reason, destination), f"/shelter/sites/{stay.site_id}", _("Checked out.")
        )

    @get("/stays/{stay_id:uuid}/move", guards=[requires(*DESK_ROLES)])
    async def move_page(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stay_id: FromPath[UUID]
    ) -> Any:
        """Beds that fit the person at every site the staff member sees — to move them to another site."""
        stays = StayService(db_session, actor_from_request(request))
        stay = await stays.stay(stay_id)
        person = await stays.person(stay.person_id)
        proposals = await stays.proposals(person, family=stay.group_id is not None)
        sites = {row.site.id: row.site.name for row in await occupancy(db_session, actor_from_request(request))}
        return render(
            request, "shelter/move.html", stay=stay, person=person, proposals=proposals, sites=sites, labels=labels
        )

    @post("/stays/{stay_id:uuid}/move", guards=[requires(*DESK_ROLES)])
    async def move(
        self, request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession], stay_id: FromPath[UUID]
    ) -> Any:
        stays = StayService(db_session, actor_from_request(request))
        form = Form(await request.form())
        bed_ids = form.uuids("bed")
        stay = await stays.stay(stay_id)
        back = f"/shelter/sites/{stay.site_id}"
        if not bed_ids:
            return await attempt(request, refusal(_("Choose a bed.")), back)
        return await attempt(
            request, stays.move(stay.id, bed_ids[0], override=form.boolean("override")), back, _("Moved.")
        )


@get("/api/v1/occupancy", guards=[requires(*BOARD_ROLES)], media_type=MediaType.JSON)
async def occupancy_api(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> dict[str, Any]:
    """Occupancy per site and room category: total, occupied, held, out of service, free — for other systems."""
    rows = await occupancy(db_session, actor_from_request(request))
    return {"sites": [row.as_dict() for row in rows]}


@get("/public/free-places", opt=PUBLIC)
async def public_free_places(request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]) -> Any:
    """Free places at every shelter, without log-in — only when LOGISTICS_PUBLIC_FREE_PLACES is on. No personal data."""
    if not get_settings().public_free_places:
        raise NotFound(_("Page not found."))
    return render(request, "shelter/free.html", rows=await occupancy(db_session, None), public=True)
