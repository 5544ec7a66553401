"""Shelter pages for the evening and for coordinators: roll call, occupancy history, waiting list."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath

from logistics.core.errors import DomainError
from logistics.core.i18n import _, format_date
from logistics.people.policy import VIEW as VIEW_RECORD
from logistics.settings import get_settings
from logistics.shelter import labels
from logistics.shelter.occupancy import OccupancyService
from logistics.shelter.policy import REVIEW, ROLL_CALL, VIEW, WAITING
from logistics.shelter.rollcall import BedNightsService, HistoryService, RollCallService, tonight
from logistics.shelter.waiting import WaitingInput, WaitingService
from logistics.web.charts import Chart, Series, line_chart
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.responses import attempt, csv_response, refusal, see_other
from logistics.web.templating import render

#: The values of a roll-call mark's `present` field.
PRESENT = {"yes": True, "no": False}


def _night(form: Form) -> date:
    """The night a page is for: the form's `night` (a past night or tonight), or tonight when it is empty or
    refused (the form then holds the message)."""
    return form.date("night", latest=tonight()) or tonight()


def _period(form: Form) -> tuple[date, date]:
    """The nights from `first` to `last` (up to tonight); by default the last 30 nights. A refused date leaves
    its message in the form and the default in its place."""
    last = form.date("last", latest=tonight()) or tonight()
    first = form.date("first", latest=tonight()) or last - timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return first, last


#: The period of bed-nights the history page shows unless another is chosen.
DEFAULT_PERIOD_DAYS = 30


def history_chart(points: list[tuple[date, int, int]]) -> Chart:
    """The last 90 nights: occupied and total places summed over the sites, with axes, values and a table."""
    return line_chart(
        _("Occupied and total places over the last 90 nights"),
        [format_date(night, "dd.MM") for night, _occupied, _total in points],
        [
            Series(_("occupied"), [occupied for _night, occupied, _total in points], area=True),
            Series(_("total"), [total for _night, _occupied, total in points]),
        ],
        label_heading=_("Night"),
        css="chart-history",
    )


class RollCallController(Controller):
    path = "/shelter"
    guards = [may(ROLL_CALL)]
    dependencies = services(roll_call=RollCallService)

    async def _sheet(
        self,
        request: Request[Any, Any, Any],
        roll_call: RollCallService,
        site_id: UUID,
        night: date,
        form: Form | None = None,
    ) -> Any:
        site = await roll_call.shelter_site(site_id)
        return render(
            request,
            "shelter/roll_call.html",
            block="sheet",
            status_code=422 if form is not None and not form.valid else 200,
            site=site,
            night=night,
            rows=await roll_call.sheet(site.id, night),
            absence_nights=get_settings().absence_nights,
            form=form or Form(),
        )

    @get("/sites/{site_id:uuid}/roll-call")
    async def roll_call_sheet(
        self, request: Request[Any, Any, Any], roll_call: NamedDependency[RollCallService], site_id: FromPath[UUID]
    ) -> Any:
        """Tonight's list of everyone staying (or a past night's), to mark present or absent on a tablet."""
        form = Form(request.query_params)
        return await self._sheet(request, roll_call, site_id, _night(form), form)

    @post("/stays/{stay_id:uuid}/roll-call")
    async def mark(
        self, request: Request[Any, Any, Any], roll_call: NamedDependency[RollCallService], stay_id: FromPath[UUID]
    ) -> Any:
        """Present or absent for a night of the stay; a refused mark shows the sheet again with the message on top
        (its fields are the sheet's buttons) and records nothing."""
        stay = await roll_call.stay(stay_id)
        form = Form(await request.form())
        night = form.date("night", required=True, latest=tonight())
        present = form.choice("present", list(PRESENT))
        if form.valid and night is not None:
            try:
                await roll_call.mark(stay.id, night, PRESENT[present])
            except DomainError as error:
                form.error(error.field or "stay", error.message)
            else:
                if request.headers.get("hx-request") == "true":
                    return await self._sheet(request, roll_call, stay.site_id, night)
                return see_other(request, f"/shelter/sites/{stay.site_id}/roll-call?night={night.isoformat()}")
        shown = night if night is not None and "night" not in form.errors else tonight()
        return await self._sheet(request, roll_call, stay.site_id, shown, form)


class ReviewController(Controller):
    path = "/shelter/review"
    guards = [may(REVIEW)]
    dependencies = services(roll_call=RollCallService)

    @get("/")
    async def review(self, request: Request[Any, Any, Any], roll_call: NamedDependency[RollCallService]) -> Any:
        """Stays past the review period of their kind of site, for the case worker's review."""
        rows = await roll_call.due_for_review()
        return render(request, "shelter/review.html", rows=rows, open_record=VIEW_RECORD)


class HistoryController(Controller):
    path = "/shelter/history"
    guards = [may(VIEW)]
    dependencies = services(history=HistoryService, nights=BedNightsService)

    @get("/")
    async def history_page(
        self,
        request: Request[Any, Any, Any],
        history: NamedDependency[HistoryService],
        nights: NamedDependency[BedNightsService],
    ) -> Any:
        """The occupancy of any past night, the last 90 nights as a chart, and bed-nights per site in a period (the
        last 30 nights unless chosen); a refused night or period shows the default one, with the message next to
        the field."""
        form = Form(request.query_params)
        chosen = await history.night(_night(form))
        first, last = _period(form)
        try:
            per_site = await nights.by_site(first, last)
        except DomainError as error:
            form.error(error.field or "first", error.message)
            first, last = _period(Form())
            per_site = await nights.by_site(first, last)
        return render(
            request,
            "shelter/history.html",
            status_code=200 if form.valid else 422,
            history=chosen,
            chart=history_chart(chosen.points),
            form=form,
            last_night=tonight(),
            first=first,
            last=last,
            per_site=per_site,
        )

    @get("/bed-nights.csv", media_type="text/csv")
    async def bed_nights_csv(
        self, request: Request[Any, Any, Any], nights: NamedDependency[BedNightsService]
    ) -> Response[str]:
        """Bed-nights per site in a period (`first`, `last`; the last 30 nights by default)."""
        form = Form(request.query_params)
        first, last = _period(form)
        if not form.valid:
            field, message = next(iter(form.errors.items()))
            raise DomainError(message, field)
        rows = await nights.by_site(first, last)
        return csv_response(
            f"bed-nights-{first.isoformat()}-{last.isoformat()}.csv",
            ["site", "first_night", "last_night", "bed_nights"],
            ([row.site, first.isoformat(), last.isoformat(), row.bed_nights] for row in rows),
        )

    @get("/export.csv", media_type="text/csv")
    async def history_csv(
        self, request: Request[Any, Any, Any], history: NamedDependency[HistoryService]
    ) -> Response[str]:
        form = Form(request.query_params)
        night = _night(form)
        if not form.valid:
            raise DomainError(form.errors["night"], "night")
        chosen = await history.night(night)
        return csv_response(
            f"occupancy-{chosen.night.isoformat()}.csv",
            ["night", "site", "total", "out_of_service", "occupied", "held", "free"],
            (
                [
                    snap.night.isoformat(),
                    chosen.names.get(snap.site_id, str(snap.site_id)),
                    snap.total,
                    snap.out_of_service,
                    snap.occupied,
                    snap.held,
                    snap.free,
                ]
                for snap in chosen.snapshots
            ),
        )


class WaitingController(Controller):
    path = "/shelter/waiting"
    guards = [may(WAITING)]
    dependencies = services(waiting=WaitingService, board=OccupancyService)

    async def _page(
        self,
        request: Request[Any, Any, Any],
        waiting: WaitingService,
        board: OccupancyService,
        form: Form,
        status_code: int = 200,
        block: str | None = None,
    ) -> Any:
        return render(
            request,
            "shelter/waiting.html",
            block=block,
            status_code=status_code,
            matches=await waiting.open_requests(),
            form=form,
            labels=labels,
            site_options=[(str(row.site.id), row.site.name) for row in await board.board()],
        )

    @get("/")
    async def waiting_list(
        self,
        request: Request[Any, Any, Any],
        waiting: NamedDependency[WaitingService],
        board: NamedDependency[OccupancyService],
    ) -> Any:
        return await self._page(request, waiting, board, Form.filled(priority="2", family_size="1"))

    @post("/")
    async def add(
        self,
        request: Request[Any, Any, Any],
        waiting: NamedDependency[WaitingService],
        board: NamedDependency[OccupancyService],
    ) -> Any:
        form = Form(await request.form())
        person = form.uuids("person")
        site = form.uuids("site")
        data = WaitingInput(
            person_id=person[0] if person else None,
            description=form.text("description", required=False, max_length=200),
            category=form.choice("category", list(labels.CATEGORY)),
            needs_accessible=form.boolean("needs_accessible"),
            family_size=form.integer("family_size", minimum=1, maximum=15) or 1,
            priority=form.integer("priority", minimum=1, maximum=3) or 2,
            priority_reason=form.text("priority_reason", required=False, max_length=200),
            site_id=site[0] if site else None,
        )
        if form.valid:
            try:
                await waiting.add(data)
                return see_other(request, "/shelter/waiting", _("The request is on the waiting list."))
            except DomainError as error:
                form.error(error.field or "description", error.message)
        return await self._page(request, waiting, board, form, status_code=422, block="form")

    @post("/{request_id:uuid}/offer")
    async def offer(
        self, request: Request[Any, Any, Any], waiting: NamedDependency[WaitingService], request_id: FromPath[UUID]
    ) -> Any:
        wanted = await waiting.waiting_request(request_id)  # another site's request: refused here (403), not flashed
        bed = Form(await request.form()).uuids("bed")
        if not bed:
            return await attempt(request, refusal(_("Choose a bed.")), "/shelter/waiting")
        return await attempt(
            request, waiting.offer(wanted.id, bed[0]), "/shelter/waiting", _("The bed is held for this request.")
        )

    @post("/{request_id:uuid}/close")
    async def close(
        self, request: Request[Any, Any, Any], waiting: NamedDependency[WaitingService], request_id: FromPath[UUID]
    ) -> Any:
        wanted = await waiting.waiting_request(request_id)  # another site's request: refused here (403), not flashed
        form = Form(await request.form())
        return await attempt(request, waiting.close(wanted.id, form.raw("status")), "/shelter/waiting")
