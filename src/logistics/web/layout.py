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
class Panel:
    """A block on a page of another domain (the start page, a household's page ...): `template` rendered with
    what `load(session, actor, subject)` returns — `subject` is the page's record (None on the start page); None
    when it has nothing to show this user (then the page leaves it out). `covers` names the panels it stands in
    for (it shows their figures): beside it they are neither loaded nor shown."""

    page: str
    template: str
    roles: frozenset[str]
    load: Callable[[Any, Any, Any], Awaitable[dict[str, Any] | None]]
    order: int
    covers: frozenset[str] = frozenset()


_PANELS: list[Panel] = []


def register_panel(
    page: str,
    template: str,
    roles: set[str] | frozenset[str],
    load: Callable[[Any, Any, Any], Awaitable[dict[str, Any] | None]],
    order: int = 50,
    covers: frozenset[str] = frozenset(),
) -> None:
    """Add a panel to `page` (once: registering the same template again changes nothing)."""
    if all((panel.page, panel.template) != (page, template) for panel in _PANELS):
        _PANELS.append(Panel(page, template, frozenset(roles), load, order, covers))
        _PANELS.sort(key=lambda panel: (panel.order, panel.template))


async def render_panels(page: str, session: Any, actor: Any, subject: Any = None) -> list[tuple[str, dict[str, Any]]]:
    """The panels of `page` the actor's role sees, loaded: (template, context) pairs for the page to include (a
    panel with nothing to show, or covered by another one the role sees, is left out)."""
    seen = [panel for panel in _PANELS if panel.page == page and actor.role in panel.roles]
    covered = {template for panel in seen for template in panel.covers}
    loaded = []
    for panel in seen:
        if panel.template not in covered:
            context = await panel.load(session, actor, subject)
            if context is not None:
                loaded.append((panel.template, context))
    return loaded
