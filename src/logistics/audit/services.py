"""Writing and reading the audit log. Entries are only ever added; there is no update or delete here.

`record()` is called by every domain's use cases, in their transaction; `AuditService` reads the log."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.audit.models import AuditEntry
from logistics.audit.policy import VIEW_LOG
from logistics.core.actor import Actor
from logistics.core.i18n import day_start
from logistics.core.service import Service, query

PAGE_SIZE = 50


async def record(
    session: AsyncSession,
    actor: Actor,
    action: str,
    entity_type: str,
    entity_id: object = "",
    fields: Iterable[str] = (),
) -> AuditEntry:
    """Add an entry in the caller's transaction: it is kept exactly when the change it describes is kept."""
    entry = AuditEntry(
        at=datetime.now(UTC),
        actor_id=actor.user_id,
        actor_name=actor.username,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        fields=sorted(fields),
        ip=actor.ip,
    )
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""
    action: str = ""
    entity_type: str = ""
    entity_id: str = ""
    day_from: date | None = None
    day_to: date | None = None
    page: int = 1


class AuditService(Service):
    @query
    async def browse(self, where: AuditFilter) -> tuple[list[AuditEntry], int]:
        """Entries matching the filter, newest first, one page at a time; and the total count. The action is a
        prefix ("user." for every action on users), matched literally (an underscore is an underscore)."""
        self.require(VIEW_LOG)
        conditions = []
        if where.actor:
            conditions.append(AuditEntry.actor_name == where.actor.strip().lower())
        if where.action:
            conditions.append(AuditEntry.action.startswith(where.action.strip(), autoescape=True))
        if where.entity_type:
            conditions.append(AuditEntry.entity_type == where.entity_type.strip())
        if where.entity_id:
            conditions.append(AuditEntry.entity_id == where.entity_id.strip())
        if where.day_from:
            conditions.append(AuditEntry.at >= day_start(where.day_from))
        if where.day_to:
            conditions.append(AuditEntry.at < day_start(where.day_to + timedelta(days=1)))
        total = await self.session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
        rows = await self.session.scalars(
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(PAGE_SIZE)
            .offset((max(where.page, 1) - 1) * PAGE_SIZE)
        )
        return list(rows), total
