"""Who is acting: a signed-in user, a scanning device's operator or a command-line operator, and their address."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from logistics.core.roles import Role


@dataclass(frozen=True)
class Actor:
    user_id: UUID | None
    username: str
    role: str
    ip: str = ""
    site_ids: frozenset[UUID] = field(default_factory=frozenset)
    sees_all_sites: bool = False

    @property
    def signed_in(self) -> bool:
        return bool(self.role)

    def can_see_site(self, site_id: UUID | None) -> bool:
        return self.sees_all_sites or (site_id is not None and site_id in self.site_ids)

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(user_id=None, username=name, role=Role.ADMIN, sees_all_sites=True)

    @classmethod
    def of_user(cls, user: Any, ip: str = "") -> Actor:
        """The actor for a user (None: an anonymous visitor)."""
        if user is None:
            return cls(user_id=None, username="", role="", ip=ip)
        return cls(
            user_id=user.id,
            username=user.username,
            role=user.role,
            ip=ip,
            site_ids=frozenset(user.site_ids),
            sees_all_sites=user.sees_all_sites,
        )
