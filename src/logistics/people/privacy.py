"""What each domain holds about a person, for RODO access (export), erasure and merging of duplicates.

The registry imports no domain: each domain registers a provider here (shelter stays, vouchers, sign-ups ...),
the registry's own provider included. Export collects every provider's part; erasure and merge call each one
inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

Exporter = Callable[[AsyncSession, UUID], Awaitable[Any]]
SiteLinks = Callable[[AsyncSession, UUID], Awaitable[set[UUID]]]
Eraser = Callable[[AsyncSession, UUID], Awaitable[None]]
Merger = Callable[[AsyncSession, UUID, UUID], Awaitable[None]]


async def _nothing_to_erase(_session: AsyncSession, _person_id: UUID) -> None:
    return None


async def _nothing_to_merge(_session: AsyncSession, _from_id: UUID, _into_id: UUID) -> None:
    return None


async def _no_sites(_session: AsyncSession, _person_id: UUID) -> set[UUID]:
    return set()


@dataclass(frozen=True)
class PersonDataProvider:
    """`export` returns JSON-able data; `erase` removes or anonymises it; `merge` moves it to another person;
    `sites` names the sites the person is linked to now (e.g. a current stay), whose staff may open the record."""

    name: str
    export: Exporter
    erase: Eraser = _nothing_to_erase
    merge: Merger = _nothing_to_merge
    sites: SiteLinks = _no_sites


PROVIDERS: dict[str, PersonDataProvider] = {}


def register_provider(provider: PersonDataProvider) -> None:
    PROVIDERS[provider.name] = provider


async def linked_sites(session: AsyncSession, person_id: UUID) -> set[UUID]:
    """Every site any domain links the person to at present."""
    sites: set[UUID] = set()
    for provider in PROVIDERS.values():
        sites |= await provider.sites(session, person_id)
    return sites
