"""Navigation shared by every page, and the panels of the start page: each domain registers its entries and
panels with the roles that see them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
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


@dataclass(frozen=True)
class HomePanel:
    """A block on the start page: `template` rendered with what `load(session, actor)` returns."""

    template: str
    roles: frozenset[str]
    load: Callable[[Any, Any], Awaitable[dict[str, Any]]]
    order: int


_PANELS: list[HomePanel] = []


def register_home_panel(
    template: str,
    roles: set[str] | frozenset[str],
    load: Callable[[Any, Any], Awaitable[dict[str, Any]]],
    order: int = 50,
) -> None:
    if all(panel.template != template for panel in _PANELS):
        _PANELS.append(HomePanel(template, frozenset(roles), load, order))
        _PANELS.sort(key=lambda panel: (panel.order, panel.template))


def home_panels(role: str) -> list[HomePanel]:
    return [panel for panel in _PANELS if role in panel.roles]
