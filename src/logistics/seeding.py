"""`logistics seed demo`: fictional demo data from seeds/demo/, loaded idempotently (matched by natural keys)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from logistics.accounts.models import User
from logistics.accounts.passwords import hash_password
from logistics.settings import get_settings
from logistics.sites.models import Site, SiteKindRow

DEMO_PASSWORD = "pomoc-demo-2026"  # noqa: S105 — documented in the README, for the demo only


def _load(name: str) -> Any:
    path: Path = get_settings().seeds_dir / "demo" / name
    return json.loads(path.read_text(encoding="utf-8"))


async def load_demo(session: AsyncSession, *, only_if_empty: bool = False) -> str:
    if only_if_empty and await session.scalar(select(func.count()).select_from(User)):
        return "The database already has users; demo data not loaded."
    sites_by_name: dict[str, Site] = {}
    created_sites = 0
    for row in _load("sites.json"):
        site = await session.scalar(select(Site).where(Site.name == row["name"]))
        if site is None:
            site = Site(name=row["name"])
            session.add(site)
            created_sites += 1
        site.address, site.phone, site.opening_hours = row["address"], row["phone"], row["opening_hours"]
        if sorted(k.value for k in site.kinds) != sorted(row["kinds"]):
            site.kind_rows = [SiteKindRow(kind=kind) for kind in sorted(row["kinds"])]
        sites_by_name[site.name] = site
    await session.flush()
    created_users = 0
    password_hash = hash_password(DEMO_PASSWORD)
    for row in _load("users.json"):
        user = await session.scalar(select(User).where(User.username == row["username"]))
        if user is None:
            user = User(username=row["username"], password_hash=password_hash, role=row["role"])
            session.add(user)
            created_users += 1
        user.full_name, user.role = row["full_name"], row["role"]
        user.sites = [sites_by_name[name] for name in row.get("sites", [])]
    return (
        f"Demo data: {created_sites} sites and {created_users} users added (password for demo users: {DEMO_PASSWORD})."
    )
