"""Shelter pages: occupancy board, a site's room-and-bed map, check-in, check-out, moves, holds, repairs, rooms."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from litestar import Controller, MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import _, local_time, local_today, ngettext
from logistics.people.services import PersonService, is_exact_query, is_malformed_card_code
from logistics.settings import get_settings
from logistics.shelter import labels
from logistics.shelter.occupancy import OccupancyService, SiteOccupancy
from logistics.shelter.places import MAX_NOTE, MAX_REPAIR, SHELTER_KINDS, PlacesService
from logistics.shelter.policy import (
    CHECK_IN,
    CHECK_OUT,
    HOLD,
    MANAGE_PLACES,
    MOVE,
    OUT_OF_SERVICE,
    OVERRIDE_CATEGORY,
    VIEW,
    policy,
)
from logistics.shelter.stays import MAX_HOLD, StayRecordService, StayService
from logistics.shelter.waiting import WaitingService
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import attempt, csv_response, flash, refusal, see_other
from logistics.web.templating import render

register_nav(lambda: _("Beds"), "/shelter/board", policy.roles(VIEW), order=10)

PUBLIC = {"exclude_from_auth": True}
MAX_HOLD_HOURS = int(MAX_HOLD.total_seconds()) // 3600
#: Fitting beds shown at once on the check-in page; the others are one tap away ("show N more").
SHOWN_PROPOSALS = 12


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
    "free_mixed",
    "free_accessible",
    "as_of",
]


def _free_places_rows(rows: list[SiteOccupancy], as_of: datetime) -> list[list[object]]:
    """One line per site; `as_of` (the moment the figures were counted, in the centre's time zone) on each."""
    moment = local_time(as_of).isoformat(timespec="minutes")
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
            row.by_category["mixed"].free,
            row.accessible.free,
            moment,
        ]
        for row in rows
    ]


def site_page(site_id: UUID) -> str:
    """A site's bed map: where every small form on it goes back to."""
    return f"/shelter/sites/{site_id}"


class ShelterController(Controller):
    path = "/shelter"
    dependencies = services(
        board=OccupancyService,
        places=PlacesService,
        stays=StayService,
        waiting=WaitingService,
        people=PersonService,
        records=StayRecordService,
    )

    @get("/board", guards=[may(VIEW)])
    async def board_page(self, request: Request[Any, Any, Any], board: NamedDependency[OccupancyService]) -> Any:
        """Every site with total / occupied / held / out of service / free; the table refreshes itself. An unknown
        kind is refused with a message above the table, which then shows every kind."""
        form = Form(request.query_params)
        kind = form.choice("kind", [k.value for k in SHELTER_KINDS], required=False)
        if not form.valid:
            kind = ""
        return render(
            request,
            "shelter/board.html",
            block="board",
            status_code=200 if form.valid else 422,
            rows=await board.board(kind or None),
            kind=kind,
            form=form,
            labels=labels,
            refresh=get_settings().board_refresh_seconds,
            as_of=datetime.now(UTC),
        )

    @get("/free", guards=[may(VIEW)])
    async def free_places(self, request: Request[Any, Any, Any], board: NamedDependency[OccupancyService]) -> Any:
        return render(request, "shelter/free.html", rows=await board.board(), public=False, as_of=datetime.now(UTC))

    @get("/free.csv", guards=[may(VIEW)], media_type="text/csv")
    async def free_places_csv(self, board: NamedDependency[OccupancyService]) -> Response[str]:
        rows = await board.board()
        return csv_response("free-places.csv", FREE_PLACES_COLUMNS, _free_places_rows(rows, datetime.now(UTC)))

    @get("/sites/{site_id:uuid}", guards=[may(VIEW)])
    async def site_map(
        self,
        request: Request[Any, Any, Any],
        places: NamedDependency[PlacesService],
        stays: NamedDependency[StayService],
        waiting: NamedDependency[WaitingService],
        site_id: FromPath[UUID],
    ) -> Any:
        """The room-and-bed map staff use on a tablet: each bed's state, who is in it, what can be done."""
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
            waiting=await waiting.first_fitting(),
            labels=labels,
            form=Form(),
        )

    # --- rooms and beds ---------------------------------------------------------------------------------------

    async def _rooms_page(
        self, request: Request[Any, Any, Any], places: PlacesService, site_id: UUID, form: Form, status_code: int = 200
    ) -> Any:
        site = await places.shelter_site(site_id)
        return render(
            request,
            "shelter/rooms.html",
            block="room_form" if status_code != 200 else None,
            status_code=status_code,
            site=site,
            rooms=await places.rooms(site.id),
            form=form,
            labels=labels,
        )

    @get("/sites/{site_id:uuid}/rooms", guards=[may(MANAGE_PLACES)])
    async def rooms(
        self, request: Request[Any, Any, Any], places: NamedDependency[PlacesService], site_id: FromPath[UUID]
    ) -> Any:
        return await self._rooms_page(request, places, site_id, Form())

    @post("/sites/{site_id:uuid}/rooms", guards=[may(MANAGE_PLACES)])
    async def add_room(
        self, request: Request[Any, Any, Any], places: NamedDependency[PlacesService], site_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        data = labels.read_room_form(form)
        if data:
            try:
                await places.add_room(site_id, data)
                return see_other(request, f"/shelter/sites/{site_id}/rooms", _("The room has been added."))
            except DomainError as error:
                form.error(error.field or "name", error.message)
        return await self._rooms_page(request, places, site_id, form, status_code=422)

    @post("/rooms/{room_id:uuid}/beds", guards=[may(MANAGE_PLACES)])
    async def add_beds(
        self, request: Request[Any, Any, Any], places: NamedDependency[PlacesService], room_id: FromPath[UUID]
    ) -> Any:
        room = await places.room(room_id)
        form = Form(await request.form())
        data = labels.read_bulk_form(form)
        back = f"/shelter/sites/{room.site_id}/rooms"
        if data is None:
            return await attempt(request, refusal(form), back)
        try:
            beds = await places.add_beds(room.id, data)
        except DomainError as error:
            flash(request, error.message, "error")
            return see_other(request, back)
        return see_other(
            request, back, ngettext("%(num)s bed has been added.", "%(num)s beds have been added.", len(beds))
        )

    @post("/beds/{bed_id:uuid}/out-of-service", guards=[may(OUT_OF_SERVICE)])
    async def out_of_service(
        self, request: Request[Any, Any, Any], places: NamedDependency[PlacesService], bed_id: FromPath[UUID]
    ) -> Any:
        bed = await places.bed(bed_id)
        form = Form(await request.form())
        reason = form.raw("reason")
        expected_back = form.date("expected_back", earliest=local_today(), latest=local_today() + MAX_REPAIR)
        note = form.text("note", required=False, max_length=MAX_NOTE)
        if not form.valid:
            return await attempt(request, refusal(form), site_page(bed.site_id))
        return await attempt(
            request,
            places.take_out_of_service(bed.id, reason, expected_back, note),
            site_page(bed.site_id),
            _("The bed is out of service."),
        )

    @post("/beds/{bed_id:uuid}/back-in-service", guards=[may(OUT_OF_SERVICE)])
    async def back_in_service(
        self, request: Request[Any, Any, Any], places: NamedDependency[PlacesService], bed_id: FromPath[UUID]
    ) -> Any:
        bed = await places.bed(bed_id)
        return await attempt(
            request, places.return_to_service(bed.id), site_page(bed.site_id), _("The bed is back in service.")
        )

    # --- holds --------------------------------------------------------------------------------------------

    @post("/beds/{bed_id:uuid}/hold", guards=[may(HOLD)])
    async def hold(
        self, request: Request[Any, Any, Any], stays: NamedDependency[StayService], bed_id: FromPath[UUID]
    ) -> Any:
        bed = await stays.bed(bed_id)
        form = Form(await request.form())
        person = form.uuids("person")
        note = form.text("note", required=False, max_length=MAX_NOTE)
        hours = form.integer("hours", minimum=1, maximum=MAX_HOLD_HOURS)
        if not form.valid:
            return await attempt(request, refusal(form), site_page(bed.site_id))
        return await attempt(
            request,
            stays.hold(bed.id, person[0] if person else None, note, hours),
            site_page(bed.site_id),
            _("The bed is held."),
        )

    @post("/beds/{bed_id:uuid}/release", guards=[may(HOLD)])
    async def release(
        self, request: Request[Any, Any, Any], stays: NamedDependency[StayService], bed_id: FromPath[UUID]
    ) -> Any:
        bed = await stays.bed(bed_id)
        return await attempt(request, stays.release_hold(bed.id), site_page(bed.site_id))

    # --- check-in, check-out, move ------------------------------------------------------------------------

    @get("/check-in", guards=[may(CHECK_IN)])
    async def check_in_page(
        self,
        request: Request[Any, Any, Any],
        stays: NamedDependency[StayService],
        people: NamedDependency[PersonService],
    ) -> Any:
        """Step 1: find the person (search, card, or quick registration); step 2: the beds that fit. A person or
        bed that cannot be chosen (a link gone stale) is said above the search; a search too long, under it."""
        form = Form(request.query_params)
        person_ids, bed_ids = form.uuids("person"), form.uuids("bed")
        q = form.text("q", required=False, max_length=100)
        chosen = preselected = None
        try:
            chosen = await stays.person(person_ids[0]) if person_ids else None
        except NotFound as error:
            form.error("person", error.message)
        try:
            preselected = await stays.bed(bed_ids[0]) if bed_ids else None
        except NotFound as error:
            form.error("bed", error.message)
        if chosen is not None:
            stale_bed = form.errors.get("bed")
            return await self._beds_for(
                request,
                stays,
                chosen.id,
                bed=preselected,
                block="step",
                status_code=422 if stale_bed else 200,
                message=stale_bed,
            )
        stale = form.errors.get("person") or form.errors.get("bed")
        results = await people.search(q) if q and form.valid else []
        if len(results) == 1 and is_exact_query(q):  # one card or PESEL: that person, straight to the beds
            return await self._beds_for(request, stays, results[0].id, bed=preselected, block="step")
        if q and form.valid and is_malformed_card_code(q):
            form.error("q", _("This is not a valid card code. Check it and try again."))
        return render(
            request,
            "shelter/check_in.html",
            block="step",
            status_code=200 if form.valid else 422,
            q=form.values["q"],
            q_error=form.errors.get("q"),
            results=results,
            person=None,
            current=None,
            proposals=None,
            others=[],
            family=None,
            bed=preselected,
            labels=labels,
            message=stale,
        )

    async def _beds_for(
        self,
        request: Request[Any, Any, Any],
        stays: StayService,
        person_id: UUID,
        *,
        bed: Any = None,
        block: str | None = None,
        status_code: int = 200,
        message: str | None = None,
    ) -> Any:
        """Step 2 of the check-in page: the person, the beds that fit them now and the family plan — also shown
        again, with `message`, when a check-in was refused (nothing of it was kept)."""
        person = await stays.person(person_id)
        current = await stays.open_stay(person.id)
        other = current is None and stays.can(OVERRIDE_CATEGORY)
        return render(
            request,
            "shelter/check_in.html",
            block=block,
            status_code=status_code,
            q="",
            results=[],
            person=person,
            current=current,
            proposals=await stays.proposals(person) if current is None else [],
            others=await stays.proposals(person, other_categories=True) if other else [],
            shown=SHOWN_PROPOSALS,
            bed=bed,
            labels=labels,
            family=await stays.family_plan(person) if current is None else None,
            message=message,
            q_error=None,
        )

    @post("/check-in", guards=[may(CHECK_IN)])
    async def check_in(self, request: Request[Any, Any, Any], stays: NamedDependency[StayService]) -> Any:
        form = Form(await request.form())
        person_ids, bed_ids = form.uuids("person"), form.uuids("bed")
        if not person_ids or not bed_ids:
            raise DomainError(_("Choose the person and a bed."))
        try:
            stay = await stays.check_in(person_ids[0], bed_ids[0], override=form.boolean("override"))
        except DomainError as error:
            return await self._beds_for(
                request, stays, person_ids[0], status_code=error.status_code, message=error.message
            )
        return see_other(request, site_page(stay.site_id), _("Checked in."))

    @post("/check-in/family", guards=[may(CHECK_IN)])
    async def check_in_family(self, request: Request[Any, Any, Any], stays: NamedDependency[StayService]) -> Any:
        """A parent with children checked in together, one bed each in one family room — all or nobody."""
        form = Form(await request.form())
        people, beds = form.uuids("person"), form.uuids("bed")
        if not people or len(people) != len(beds):
            raise DomainError(_("Choose a bed for each member of the family."))
        try:
            checked_in = await stays.check_in_family(list(zip(people, beds, strict=True)))
        except DomainError as error:
            return await self._beds_for(request, stays, people[0], status_code=error.status_code, message=error.message)
        return see_other(
            request,
            site_page(checked_in[0].site_id),
            ngettext(
                "The family has been checked in (%(num)s person).",
                "The family has been checked in (%(num)s people).",
                len(checked_in),
            ),
        )

    @post("/stays/{stay_id:uuid}/check-out", guards=[may(CHECK_OUT)])
    async def check_out(
        self, request: Request[Any, Any, Any], stays: NamedDependency[StayService], stay_id: FromPath[UUID]
    ) -> Any:
        stay = await stays.stay(stay_id)
        form = Form(await request.form())
        reason = form.raw("reason")
        destination = form.text("destination", required=False, max_length=MAX_NOTE)
        if not form.valid:
            return await attempt(request, refusal(form), site_page(stay.site_id))
        return await attempt(
            request, stays.check_out(stay.id, reason, destination), site_page(stay.site_id), _("Checked out.")
        )

    @get("/stays/{stay_id:uuid}", guards=[may(VIEW)])
    async def stay_page(
        self, request: Request[Any, Any, Any], records: NamedDependency[StayRecordService], stay_id: FromPath[UUID]
    ) -> Any:
        """One stay: who, where, from when to when, why it ended, every bed it used, and its bed-nights."""
        return render(request, "shelter/stay.html", record=await records.record(stay_id), labels=labels)

    @get("/people/{person_id:uuid}/stays", guards=[may(VIEW)])
    async def person_stays(
        self, request: Request[Any, Any, Any], records: NamedDependency[StayRecordService], person_id: FromPath[UUID]
    ) -> Any:
        """The shelter section of a person's record (loaded into the record's page): stays and bed-nights."""
        return render(request, "shelter/person_stays.html", records=await records.of_person(person_id), labels=labels)

    @get("/stays/{stay_id:uuid}/move", guards=[may(MOVE)])
    async def move_page(
        self,
        request: Request[Any, Any, Any],
        stays: NamedDependency[StayService],
        board: NamedDependency[OccupancyService],
        stay_id: FromPath[UUID],
    ) -> Any:
        """Beds that fit the person at every site the staff member sees — to move them to another site."""
        stay = await stays.stay(stay_id)
        person = await stays.person(stay.person_id)
        proposals = await stays.proposals(person, family=stay.group_id is not None)
        sites = {row.site.id: row.site.name for row in await board.board()}
        return render(
            request, "shelter/move.html", stay=stay, person=person, proposals=proposals, sites=sites, labels=labels
        )

    @post("/stays/{stay_id:uuid}/move", guards=[may(MOVE)])
    async def move(
        self, request: Request[Any, Any, Any], stays: NamedDependency[StayService], stay_id: FromPath[UUID]
    ) -> Any:
        stay = await stays.stay(stay_id)
        form = Form(await request.form())
        bed_ids = form.uuids("bed")
        back = site_page(stay.site_id)
        if not bed_ids:
            return await attempt(request, refusal(_("Choose a bed.")), back)
        return await attempt(
            request, stays.move(stay.id, bed_ids[0], override=form.boolean("override")), back, _("Moved.")
        )


@get(
    "/api/v1/occupancy",
    include_in_schema=True,
    guards=[may(VIEW)],
    media_type=MediaType.JSON,
    dependencies=services(board=OccupancyService),
)
async def occupancy_api(board: NamedDependency[OccupancyService]) -> dict[str, Any]:
    """Occupancy per site and room category: total, occupied, held, out of service, free — for other systems."""
    return {"sites": [row.as_dict() for row in await board.board()]}


@get("/public/free-places", opt=PUBLIC, dependencies=services(board=OccupancyService))
async def public_free_places(request: Request[Any, Any, Any], board: NamedDependency[OccupancyService]) -> Any:
    """Free places at every shelter, without log-in — only when LOGISTICS_PUBLIC_FREE_PLACES is on. No personal data."""
    rows = await board.public_free_places()
    return render(request, "shelter/free.html", rows=rows, public=True, as_of=datetime.now(UTC))
