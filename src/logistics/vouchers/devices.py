"""Scanning devices: a token per device and distribution point (or partner shop's till), created by a coordinator,
shown once, revocable.

The API accepts either the signed-in user's session or `Authorization: Bearer <token>`; only the token's SHA-256
is stored. A device acts as a volunteer of its one point; a till as the staff of its one shop.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig, SQLAlchemyPlugin
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from logistics.accounts.models import User
from logistics.audit import services as audit
from logistics.auth import bearer_token
from logistics.core import policy
from logistics.core.actor import Actor
from logistics.core.errors import DomainError, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.roles import Role
from logistics.core.service import Service, query
from logistics.sites.models import Site, SiteKind
from logistics.vouchers.models import DeviceToken, Redemption, Spend
from logistics.vouchers.points import distribution_points
from logistics.vouchers.policy import MANAGE_DEVICES, REDEEM, SPEND
from logistics.vouchers.spending import shops_for
from logistics.web.dependencies import actor_from_request

TOKEN_PREFIX = "przystan_"  # noqa: S105 — not a secret: marks the tokens in logs and configs


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceService(Service):
    async def create(self, point_id: UUID, name: str) -> tuple[DeviceToken, str]:
        """A new device of a distribution point or a partner shop's till; returns the token, which is never shown
        again."""
        self.require(MANAGE_DEVICES)
        if not name.strip():
            raise DomainError(_("Name the device (e.g. Tablet 1)."), "name")
        point = await self.session.get(Site, point_id)
        if point is None or not {SiteKind.DISTRIBUTION_POINT, SiteKind.SHOP} & set(point.kinds):
            raise NotFound(_("This distribution point does not exist."))
        self.require(MANAGE_DEVICES, point)
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        device = DeviceToken(
            point_id=point.id, name=name.strip()[:80], token_hash=token_hash(token), created_by=self.actor.username
        )
        self.session.add(device)
        await self.session.flush()
        await audit.record(self.session, self.actor, "device.create", "device", device.id, ["token"])
        return device, token

    async def revoke(self, device_id: UUID) -> None:
        self.require(MANAGE_DEVICES)
        device = await self.session.get(DeviceToken, device_id)
        if device is None:
            raise NotFound(_("This device does not exist."))
        self.require(MANAGE_DEVICES, device)
        result = await self.session.execute(
            update(DeviceToken)
            .where(DeviceToken.id == device_id, DeviceToken.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            raise DomainError(_("This device has already been revoked."))
        await audit.record(self.session, self.actor, "device.revoke", "device", device_id, ["revoked_at"])

    @query
    async def points(self) -> list[Site]:
        """The distribution points, then the partner shops, the user may add devices (tills) to."""
        self.require(MANAGE_DEVICES)
        points = await distribution_points(self.session, self.actor, MANAGE_DEVICES)
        known = {point.id for point in points}
        shops = await shops_for(self.session, self.actor, MANAGE_DEVICES, active_only=False)
        return points + [shop for shop in shops if shop.id not in known]

    @query
    async def list(self) -> list[tuple[DeviceToken, str, datetime | None]]:
        """Each device with its point's (or shop's) name and when it last redeemed or took a voucher (a lost tablet
        shows here)."""
        self.require(MANAGE_DEVICES)
        last_redemption = (
            select(Redemption.device_id, func.max(Redemption.at).label("at"))
            .where(Redemption.device_id.is_not(None))
            .group_by(Redemption.device_id)
            .subquery()
        )
        last_spend = (
            select(Spend.device_id, func.max(Spend.at).label("at"))
            .where(Spend.device_id.is_not(None))
            .group_by(Spend.device_id)
            .subquery()
        )
        redeemed: ColumnElement[datetime | None] = last_redemption.c.at
        spent: ColumnElement[datetime | None] = last_spend.c.at
        rows = await self.session.execute(
            select(DeviceToken, Site.name, redeemed, spent)
            .join(Site, Site.id == DeviceToken.point_id)
            .outerjoin(last_redemption, last_redemption.c.device_id == DeviceToken.id)
            .outerjoin(last_spend, last_spend.c.device_id == DeviceToken.id)
            .order_by(DeviceToken.created_at)
        )
        return [
            (device, point, max((at for at in (one, other) if at is not None), default=None))
            for device, point, one, other in rows.all()
            if self.can(MANAGE_DEVICES, device)
        ]


async def device_for(session: AsyncSession, token: str) -> DeviceToken | None:
    return await session.scalar(
        select(DeviceToken).where(DeviceToken.token_hash == token_hash(token), DeviceToken.revoked_at.is_(None))
    )


def device_actor(device: DeviceToken, ip: str = "", kinds: Collection[str] = ()) -> Actor:
    """The device as an actor: a volunteer of its point — or, for a partner shop's till (`kinds`: its site's kinds,
    a shop and not a distribution point), the shop's staff."""
    till = SiteKind.SHOP in kinds and SiteKind.DISTRIBUTION_POINT not in kinds
    return Actor(
        user_id=None,
        username=f"device:{device.name}"[:64],
        role=Role.SHOP if till else Role.VOLUNTEER,
        ip=ip,
        site_ids=frozenset({device.point_id}),
    )


async def api_caller(connection: ASGIConnection[Any, Any, Any, Any]) -> tuple[Actor, UUID | None]:
    """The API's caller: a scanning device by its bearer token, or the signed-in user of the session. Read in the
    request's own session (its one transaction)."""
    alchemy: SQLAlchemyAsyncConfig = connection.app.plugins.get(SQLAlchemyPlugin).config[0]  # type: ignore[assignment]
    session = alchemy.provide_session(connection.app.state, connection.scope)
    ip = connection.client.host if connection.client else ""
    token = bearer_token(connection)
    if token is not None:
        device = await device_for(session, token)
        if device is None:
            raise NotAuthorizedException(_("This device token is not valid (revoked or mistyped)."))
        site = await session.get(Site, device.point_id)
        # Held for the request: the session keeps what it loaded only while something refers to it, and the
        # request's use cases look the point up again (found in the session, not read again).
        connection.state.device_site = site
        return device_actor(device, ip, site.kinds if site else ()), device.id
    data: dict[str, Any] = connection.scope.get("session") or {}  # type: ignore[assignment]
    try:
        user = await session.get(User, UUID(str(data.get("user_id"))))
    except ValueError:
        user = None
    if user is None or not user.is_active or user.session_epoch != data.get("epoch"):
        raise NotAuthorizedException(_("Please sign in."))
    connection.scope["user"] = user
    return actor_from_request(connection), None


async def scanner_guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """Admit a device or a signed-in user who hands out goods or takes value vouchers at a shop's till; the caller
    is kept in the connection's state."""
    actor, device_id = await api_caller(connection)
    if not (policy.can(actor, REDEEM) or policy.can(actor, SPEND)):
        raise PermissionDeniedException(_("You do not have access to this page."))
    connection.state.scanner = (actor, device_id)


scanner_guard.action = REDEEM  # type: ignore[attr-defined]
scanner_guard.roles = policy.roles_for(REDEEM) | policy.roles_for(SPEND)  # type: ignore[attr-defined]
