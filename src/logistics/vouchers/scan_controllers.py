"""The volunteers' scan page at a distribution point: scan (camera, handheld scanner or typed code), see what to
hand out in large type or why not, confirm (all, or lower quantities for a partial redemption), back to scanning.

The same page is a partner shop's till (`spending.serves_as_till`): a value voucher scanned there shows the holder's
first name and initial, the balance in large type and the categories it may be spent on; the shop's staff type the
purchase's amount ("45,90") and choose its category, confirm, and see the new balance (with an undo for 5 minutes).
Spending needs the network: at a shop the page makes no offline decisions (no manifest, no service worker) and says
so when the connection drops.

Works without JavaScript (full pages); with htmx only the result area is swapped. The confirm form carries a
request id made when the result was shown, so a double tap or a resent form redeems once.

The page is also a progressive web app that keeps deciding scans when the network is down (static/js/scan-offline.js
and the service worker static/js/scan-sw.js, served here as /scan/sw.js so that its scope is /scan/). Both it and
the web app manifest are behind the same guard as the page: a browser whose session expired keeps the worker it
has (an update that is redirected to the sign-in page fails, and the installed worker stays) until the volunteer
signs in again.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import FromPath

from logistics.core import policy as rules
from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import _, get_locale
from logistics.settings import get_settings
from logistics.sites.models import Site
from logistics.vouchers.grants import MAX_AMOUNT
from logistics.vouchers.issuing import CODE_LENGTH
from logistics.vouchers.policy import REDEEM, SPEND, policy
from logistics.vouchers.redeeming import Outcome, RedemptionService, Refusal, VoucherView
from logistics.vouchers.spending import SpendOutcome, SpendService, ValueView, serves_as_till
from logistics.web.dependencies import actor_from_request, services
from logistics.web.forms import Form
from logistics.web.layout import register_nav
from logistics.web.responses import see_other
from logistics.web.templating import render

SCANNING_ROLES = policy.roles(REDEEM) | policy.roles(SPEND)
register_nav(lambda: _("Scan vouchers"), "/scan/", SCANNING_ROLES, order=20)
#: The fields a refusal of a spend belongs to, shown next to them (the rest is shown as the verdict).
SPEND_FIELDS = {"bad_amount": "amount", "over_balance": "amount", "category_not_allowed": "category"}


def scanning(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Admit signed-in users who hand out goods at a point or take value vouchers at a partner shop."""
    if connection.scope.get("user") is None:
        raise NotAuthorizedException
    actor = actor_from_request(connection)
    if not (rules.can(actor, REDEEM) or rules.can(actor, SPEND)):
        raise PermissionDeniedException


scanning.action = REDEEM  # type: ignore[attr-defined]
scanning.roles = SCANNING_ROLES  # type: ignore[attr-defined]

SERVICE_WORKER = "js/scan-sw.js"
WEB_APP_MANIFEST = "scan.webmanifest"
_VERSION_LINE = re.compile(r'^const VERSION = "[^"]*";', re.MULTILINE)
_LISTED = re.compile(r'"/static/([^"?#]+)"')


class _ServiceWorker:
    """The worker's source with VERSION set to a hash of it and of the static files it precaches; hashed again
    only when one of those files changed (size or modification time)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._signature: tuple[Any, ...] = ()
        self._source = b""

    def source(self, static_dir: Path) -> bytes:
        worker = static_dir / SERVICE_WORKER
        text = worker.read_text(encoding="utf-8")
        files = [worker, *(static_dir / path for path in sorted(set(_LISTED.findall(text))))]
        signature = tuple((str(path), *_stat(path)) for path in files)
        with self._lock:
            if signature != self._signature:
                digest = hashlib.sha256()
                for path in files:
                    digest.update(str(path.relative_to(static_dir)).encode() + b"\0")
                    digest.update(path.read_bytes() if path.is_file() else b"(missing)")
                version = digest.hexdigest()[:16]
                self._source = _VERSION_LINE.sub(f'const VERSION = "{version}";', text, count=1).encode("utf-8")
                self._signature = signature
            return self._source


def _stat(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return (-1, -1)
    return (stat.st_size, stat.st_mtime_ns)


_service_worker = _ServiceWorker()


class ScanController(Controller):
    path = "/scan"
    guards = [scanning]
    dependencies = services(redemptions=RedemptionService, spending=SpendService)

    @get("/")
    async def points(
        self,
        request: Request[Any, Any, Any],
        redemptions: NamedDependency[RedemptionService],
        spending: NamedDependency[SpendService],
    ) -> Any:
        """The user's distribution points and partner shops; straight to the scan page when there is one."""
        actor = redemptions.actor
        points = await redemptions.points() if rules.can(actor, REDEEM) else []
        known = {point.id for point in points}
        shops = [shop for shop in await spending.shops() if shop.id not in known] if rules.can(actor, SPEND) else []
        if len(points) + len(shops) == 1:
            return see_other(request, f"/scan/{(points or shops)[0].id}")
        return render(request, "vouchers/points.html", points=points, shops=shops)

    async def _till(self, spending: SpendService, site_id: UUID) -> Site | None:
        """The partner shop when this page is its till for the user, else None (a distribution point)."""
        site = await spending.session.get(Site, site_id)
        return site if site is not None and serves_as_till(site, spending.actor) else None

    async def _till_page(
        self,
        request: Request[Any, Any, Any],
        spending: SpendService,
        shop_id: UUID,
        status_code: int = 200,
        **result: Any,
    ) -> Any:
        shop = await spending.shop(shop_id)
        refusal: DomainError | None = result.get("refusal")
        form: Form = result.get("form") or Form()
        view: ValueView | None = result.get("view")
        if refusal is not None and view is not None and (field := SPEND_FIELDS.get(refusal.error or "")):
            form.error(field, refusal.message)  # next to its field; the form stays to correct and confirm
            refusal = None
        outcome: SpendOutcome | None = result.get("outcome")
        return render(
            request,
            "vouchers/scan.html",
            block="result",
            status_code=status_code,
            point=shop,
            till=True,
            today=await spending.today_spends(shop.id),
            view=view,
            refusal=refusal.message if refusal else None,
            outcome=outcome,
            undone=result.get("undone"),
            code=result.get("code", ""),
            request_id=str(uuid.uuid4()),
            form=form,
            max_amount=MAX_AMOUNT,
            timezone=get_settings().timezone,
            code_length=CODE_LENGTH,
        )

    async def _page(
        self,
        request: Request[Any, Any, Any],
        service: RedemptionService,
        point_id: UUID,
        status_code: int = 200,
        **result: Any,
    ) -> Any:
        point = await service.point(point_id)
        refusal: DomainError | None = result.get("refusal")
        return render(
            request,
            "vouchers/scan.html",
            block="result",
            status_code=status_code,
            point=point,
            till=False,
            today_count=await service.today_count(point.id),
            view=result.get("view"),
            refusal=refusal.message if refusal else None,
            short_of_stock=refusal is not None and refusal.error == "not_enough_stock",
            outcome=result.get("outcome"),
            undone=result.get("undone", False),
            code=result.get("code", ""),
            request_id=str(uuid.uuid4()),
            form=result.get("form") or Form(),
            timezone=get_settings().timezone,
            offline_hours=get_settings().offline_hours,
            code_length=CODE_LENGTH,
        )

    @get("/sw.js", sync_to_thread=True, include_in_schema=False)
    def service_worker(self) -> Response[bytes]:
        """The scan page's service worker (scope /scan/), with its cache version set from the files it caches."""
        return Response(
            _service_worker.source(Path(get_settings().static_dir)),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    @get("/app.webmanifest", include_in_schema=False)
    async def web_app_manifest(self) -> Response[bytes]:
        """The web app manifest of the scan page (installed, it opens /scan/), named in the user's language."""
        manifest = json.loads((Path(get_settings().static_dir) / WEB_APP_MANIFEST).read_text(encoding="utf-8"))
        manifest.update(name=_("Przystań — scanning vouchers"), short_name=_("Scanning"), lang=get_locale())
        return Response(
            json.dumps(manifest, ensure_ascii=False).encode("utf-8"),
            media_type="application/manifest+json",
            headers={"Cache-Control": "no-cache"},
        )

    @get("/{point_id:uuid}")
    async def scan_page(
        self,
        request: Request[Any, Any, Any],
        redemptions: NamedDependency[RedemptionService],
        spending: NamedDependency[SpendService],
        point_id: FromPath[UUID],
    ) -> Any:
        if await self._till(spending, point_id):
            return await self._till_page(request, spending, point_id)
        return await self._page(request, redemptions, point_id)

    @post("/{point_id:uuid}/look")
    async def look(
        self,
        request: Request[Any, Any, Any],
        redemptions: NamedDependency[RedemptionService],
        spending: NamedDependency[SpendService],
        point_id: FromPath[UUID],
    ) -> Any:
        """A scanned or typed code: what to hand out (at a shop: the balance and the categories), or why not."""
        form = Form(await request.form())
        code = form.text("code", required=False, max_length=60)
        if await self._till(spending, point_id):
            try:
                value = await spending.look_up(code, point_id)
            except Refusal as refusal:
                return await self._till_page(request, spending, point_id, refusal=refusal, code=code)
            chosen = Form.filled(category=value.categories[0][0] if len(value.categories) == 1 else "")
            return await self._till_page(request, spending, point_id, view=value, code=value.code, form=chosen)
        try:
            view = await redemptions.look_up(code, point_id)
        except Refusal as refusal:
            return await self._page(request, redemptions, point_id, 200, refusal=refusal, code=code)
        return await self._page(request, redemptions, point_id, view=view, code=view.code)

    @post("/{point_id:uuid}/redeem")
    async def redeem(
        self, request: Request[Any, Any, Any], redemptions: NamedDependency[RedemptionService], point_id: FromPath[UUID]
    ) -> Any:
        """Hand out the confirmed quantities (`qty-<item or kit>`); the voucher keeps what was not handed out."""
        form = Form(await request.form())
        code = form.text("code", max_length=60)
        request_id = form.text("request_id", max_length=64)
        wants: dict[UUID, Decimal] = {}
        try:
            # A double tap or a retry of this confirmation: the first result again (or that it was undone), not a
            # check of the voucher as it is now ("already redeemed", quantities over what remains).
            if form.valid and (replay := await redemptions.replayed(code, point_id, request_id)):
                return await self._page(request, redemptions, point_id, outcome=replay, code=code)
            view = await redemptions.look_up(code, point_id)
            for line in view.lines:
                quantity = form.decimal(
                    f"qty-{line.goods_id}", places=3, minimum=Decimal(0), maximum=line.remaining, whole=line.whole
                )
                if quantity is not None:
                    wants[line.goods_id] = quantity
            if not form.valid:
                return await self._page(request, redemptions, point_id, 422, view=view, code=code, form=form)
            outcome: Outcome = await redemptions.redeem(code, point_id, request_id, wants)
        except Refusal as refusal:
            # The first of two racing taps may have committed since the check above: show its result.
            if form.valid and (replay := await self._replay(redemptions, code, point_id, request_id)):
                return await self._page(request, redemptions, point_id, outcome=replay, code=code)
            # E.g. not enough stock: the volunteer may lower the quantities and confirm again.
            retry = await self._retry_view(redemptions, code, point_id)
            page = {"refusal": refusal, "view": retry, "code": code, "form": form}
            return await self._page(request, redemptions, point_id, 200, **page)
        return await self._page(request, redemptions, point_id, outcome=outcome, code=code)

    @staticmethod
    async def _replay(service: RedemptionService, code: str, point_id: UUID, request_id: str) -> Outcome | None:
        try:
            return await service.replayed(code, point_id, request_id)
        except DomainError:
            return None

    @staticmethod
    async def _retry_view(service: RedemptionService, code: str, point_id: UUID) -> VoucherView | None:
        try:
            return await service.look_up(code, point_id)
        except DomainError:
            return None

    @post("/{point_id:uuid}/undo/{redemption_id:uuid}")
    async def undo(
        self,
        request: Request[Any, Any, Any],
        redemptions: NamedDependency[RedemptionService],
        point_id: FromPath[UUID],
        redemption_id: FromPath[UUID],
    ) -> Any:
        """Undo a hand-out; a refusal (too late, already undone, another volunteer's) is shown in the result."""
        try:
            await redemptions.undo(redemption_id)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            return await self._page(request, redemptions, point_id, 200, refusal=error)
        return await self._page(request, redemptions, point_id, undone=True)

    # --- a partner shop's till ------------------------------------------------------------------------------------

    @post("/{point_id:uuid}/spend")
    async def spend(
        self, request: Request[Any, Any, Any], spending: NamedDependency[SpendService], point_id: FromPath[UUID]
    ) -> Any:
        """Take the typed amount ("45,90") of the chosen category off the value voucher; a refusal of the amount
        or the category is shown next to its field, with nothing changed."""
        await spending.shop(point_id)
        form = Form(await request.form())
        code = form.text("code", max_length=60)
        request_id = form.text("request_id", max_length=64)
        try:
            if form.valid and (replay := await spending.replayed(code, point_id, request_id)):
                return await self._till_page(request, spending, point_id, outcome=replay, code=code)
            view = await spending.look_up(code, point_id)
            amount = form.decimal("amount", required=True, places=2, minimum=Decimal("0.01"), maximum=MAX_AMOUNT)
            category = form.text("category", required=False, max_length=20)
            if not category:
                form.error("category", _("Choose what was bought."))
            if not form.valid or amount is None:
                return await self._till_page(request, spending, point_id, 422, view=view, code=code, form=form)
            outcome = await spending.spend(code, point_id, request_id, amount, category)
        except Refusal as refusal:
            if form.valid and (replay := await self._spend_replay(spending, code, point_id, request_id)):
                return await self._till_page(request, spending, point_id, outcome=replay, code=code)
            retry = await self._value_view(spending, code, point_id)
            status = 422 if retry is not None and refusal.error in SPEND_FIELDS else 200
            page = {"refusal": refusal, "view": retry, "code": code, "form": form}
            return await self._till_page(request, spending, point_id, status, **page)
        return await self._till_page(request, spending, point_id, outcome=outcome, code=code)

    @staticmethod
    async def _spend_replay(service: SpendService, code: str, shop_id: UUID, request_id: str) -> SpendOutcome | None:
        try:
            return await service.replayed(code, shop_id, request_id)
        except DomainError:
            return None

    @staticmethod
    async def _value_view(service: SpendService, code: str, shop_id: UUID) -> ValueView | None:
        try:
            return await service.look_up(code, shop_id)
        except DomainError:
            return None

    @post("/{point_id:uuid}/spends/{spend_id:uuid}/undo")
    async def undo_spend(
        self,
        request: Request[Any, Any, Any],
        spending: NamedDependency[SpendService],
        point_id: FromPath[UUID],
        spend_id: FromPath[UUID],
    ) -> Any:
        """Undo a purchase; a refusal (too late, already undone, another one's, a closed month) is the result."""
        try:
            spend = await spending.undo(spend_id)
        except (NotFound, Forbidden):
            raise
        except DomainError as error:
            return await self._till_page(request, spending, point_id, 200, refusal=error)
        _spend, view = await spending.spend_of(spend.id)
        return await self._till_page(request, spending, point_id, undone=(spend, view))
