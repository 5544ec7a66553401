"""Who is acting: the signed-in user (or a command-line operator) and the address, handed to services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from uuid import UUID

from logistics.web.errors import Forbidden
from logistics.web.i18n import gettext as _

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


@dataclass(frozen=True)
class Actor:
    user_id: UUID | None
    username: str
    role: str
    ip: str = ""
    site_ids: frozenset[UUID] = field(default_factory=frozenset)
    sees_all_sites: bool = False

    def can_see_site(self, site_id: UUID) -> bool:
        return self.sees_all_sites or site_id in self.site_ids

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, username=name, role="admin", sees_all_sites=True)


def actor_from_request(request: Any) -> Actor:
    user = request.scope.get("user")
    ip = request.client.host if request.client else ""
    if user is None:
        return Actor(user_id=None, username="", role="", ip=ip)
    return Actor(
        user_id=user.id,
        username=user.username,
        role=user.role,
        ip=ip,
        site_ids=user.site_ids,
        sees_all_sites=user.sees_all_sites,
    )


class Service:
    """What every use-case class starts with: the session (one transaction) and who is acting."""

    def __init__(self, session: AsyncSession, actor: Actor) -> None:
        self.session = session
        self.actor = actor

    def _require(self, roles: frozenset[str]) -> None:
        """Forbidden unless the actor has one of `roles`."""
        if self.actor.role not in roles:
            raise Forbidden(_("You do not have access to this page."))
