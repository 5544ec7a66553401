"""Who may do what: one policy per domain, the one source for guards, services and templates.

A domain declares its rules once (`Policy("shelter").rule("shelter.check_in", roles=..., site=...)`); everyone
else asks `can(actor, "shelter.check_in", stay)` — a guard without a thing (may this role do it anywhere?), a
service and a template with the thing (may this actor do it *to this*?). A rule names the roles allowed, and
optionally how to find the site a thing belongs to (site-limited roles act only on their own sites) and a further
condition. An action no policy declares is a programming error, not a silent "no".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from logistics.core.actor import Actor
from logistics.core.errors import Forbidden
from logistics.core.i18n import gettext as _

SiteOf = Callable[[Any], UUID | Iterable[UUID] | None]
Condition = Callable[[Actor, Any], bool]


@dataclass(frozen=True)
class Rule:
    action: str
    roles: frozenset[str]
    site: SiteOf | None = None
    condition: Condition | None = None

    def allows(self, actor: Actor, thing: Any) -> bool:
        if actor.role not in self.roles:
            return False
        if thing is None:
            return True
        if self.site is not None and not actor.sees_all_sites:
            sites = self.site(thing)
            if isinstance(sites, UUID) or sites is None:
                if not actor.can_see_site(sites):
                    return False
            elif not any(actor.can_see_site(site) for site in sites):
                return False
        return self.condition is None or self.condition(actor, thing)


_RULES: dict[str, Rule] = {}


class Policy:
    """The rules of one domain; actions are named `<domain>.<verb>`."""

    def __init__(self, domain: str) -> None:
        self.domain = domain

    def rule(
        self,
        action: str,
        roles: Iterable[str],
        *,
        site: SiteOf | None = None,
        condition: Condition | None = None,
    ) -> str:
        if not action.startswith(f"{self.domain}."):
            raise ValueError(f"{action!r} is not an action of {self.domain!r}")
        if action in _RULES:
            raise ValueError(f"{action!r} is declared twice")
        _RULES[action] = Rule(action, frozenset(roles), site, condition)
        return action

    def roles(self, action: str) -> frozenset[str]:
        return rule_for(action).roles


def rule_for(action: str) -> Rule:
    try:
        return _RULES[action]
    except KeyError:
        raise LookupError(f"no policy declares {action!r}") from None


def can(actor: Actor, action: str, thing: Any = None) -> bool:
    """Whether `actor` may do `action` — to `thing` when given, else anywhere at all."""
    return rule_for(action).allows(actor, thing)


def require(actor: Actor, action: str, thing: Any = None) -> None:
    """Forbidden (403) unless `actor` may do `action` (to `thing`)."""
    if not can(actor, action, thing):
        raise Forbidden(_("You do not have access to this page."))


def roles_for(action: str) -> frozenset[str]:
    return rule_for(action).roles


def actions() -> dict[str, Rule]:
    return dict(_RULES)
