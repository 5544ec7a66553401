"""Navigation shared by every page: each domain registers its entries with the roles that see them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NavEntry:
    label: Callable[[], str]
    path: str
    roles: frozenset[str]
    order: int


_NAV: list[NavEntry] = []


def register_nav(label: Callable[[], str], path: str, roles: set[str] | frozenset[str], order: int = 50) -> None:
    if all(entry.path != path for entry in _NAV):
        _NAV.append(NavEntry(label=label, path=path, roles=frozenset(roles), order=order))
        _NAV.sort(key=lambda entry: (entry.order, entry.path))


def navigation(user: Any) -> list[NavEntry]:
    """The entries this user's role may open."""
    if user is None:
        return []
    return [entry for entry in _NAV if user.role in entry.roles]
