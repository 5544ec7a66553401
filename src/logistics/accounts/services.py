"""Account use cases: sign in (throttled), users and their roles and sites, own password and language."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from logistics.accounts.models import LoginFailure, User
from logistics.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    verify_password,
)
from logistics.audit import services as audit
from logistics.core.actor import Actor
from logistics.core.errors import DomainError, Forbidden, NotFound
from logistics.core.i18n import gettext as _
from logistics.core.i18n import ngettext
from logistics.core.roles import Role
from logistics.core.service import Service
from logistics.db import lock_keys
from logistics.settings import LOCALES, get_settings
from logistics.sites.models import Site, SiteKind

USERNAME_PATTERN = r"[a-z0-9][a-z0-9._-]{1,63}"


class LoginThrottled(DomainError):
    status_code = 429


@dataclass(frozen=True)
class SignIn:
    """The outcome of a sign-in: the user, or the message saying why not (the failure has been counted)."""

    user: User | None
    refusal: str


@dataclass(frozen=True)
class UserInput:
    username: str
    full_name: str
    role: str
    site_ids: list[UUID]
    password: str = ""


def check_password_rules(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            ngettext(
                "The password must have at least %(num)s character.",
                "The password must have at least %(num)s characters.",
                MIN_PASSWORD_LENGTH,
            ),
            field,
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise DomainError(
            ngettext("At most %(num)s character.", "At most %(num)s characters.", MAX_PASSWORD_LENGTH), field
        )


class AccountService(Service):
    # --- signing in -------------------------------------------------------------------------------------------

    async def authenticate(self, username: str, password: str) -> SignIn:
        """Sign in: the active user with this username and password, or the refusal — a wrong password or an
        inactive account is counted as a failure (kept), too many recent failures refuse with LoginThrottled.

        The password is checked off the event loop; the count and the new failure are read and written while
        holding this username's and this address's lock (PostgreSQL), so parallel guesses each see the others'
        failures and none passes the limit."""
        username = username.strip().lower()[:64]
        ip = self.actor.ip[:64]
        await self._refuse_if_throttled(username, ip)  # before hashing: a locked-out guess costs no CPU
        user = await self.session.scalar(select(User).where(User.username == username))
        password_ok = await verify_password(user.password_hash if user else None, password)
        await lock_keys(self.session, f"login-user:{username}", f"login-ip:{ip}")
        await self._refuse_if_throttled(username, ip)
        now = datetime.now(UTC)
        if user is None or not password_ok or not user.is_active:
            self.session.add(LoginFailure(username=username, ip=ip, at=now))
            if user is None or not password_ok:
                await audit.record(self.session, self.actor, "login.failed", "user", user.id if user else "")
                return SignIn(None, _("Wrong username or password."))
            return SignIn(None, _("This account has been deactivated. Ask an administrator."))
        await self.session.execute(delete(LoginFailure).where(LoginFailure.username == username))
        user.last_login_at = now
        actor = Actor(user_id=user.id, username=user.username, role=user.role, ip=ip)
        await audit.record(self.session, actor, "login", "user", user.id)
        return SignIn(user, "")

    async def _refuse_if_throttled(self, username: str, ip: str) -> None:
        settings = get_settings()
        now = datetime.now(UTC)
        window_start = now - timedelta(minutes=settings.login_lockout_minutes)
        for key in (LoginFailure.username == username, LoginFailure.ip == ip):
            count, oldest = (
                await self.session.execute(
                    select(func.count(), func.min(LoginFailure.at)).where(key, LoginFailure.at > window_start)
                )
            ).one()
            if count >= settings.login_max_failures:
                wait = oldest + timedelta(minutes=settings.login_lockout_minutes) - now
                raise LoginThrottled(
                    ngettext(
                        "Too many failed sign-in attempts. Please wait %(num)s minute and try again.",
                        "Too many failed sign-in attempts. Please wait %(num)s minutes and try again.",
                        max(math.ceil(wait.total_seconds() / 60), 1),
                    )
                )

    # --- the user's own account -------------------------------------------------------------------------------

    async def change_own_password(self, current: str, new: str, repeated: str) -> None:
        user = await self._get(self.actor.user_id)
        if not await verify_password(user.password_hash, current):
            raise DomainError(_("The current password is not correct."), "current")
        check_password_rules(new, "new")
        if new != repeated:
            raise DomainError(_("The two new passwords differ."), "repeated")
        user.password_hash = await hash_password(new)
        await audit.record(self.session, self.actor, "user.password_changed", "user", user.id, ["password"])

    async def set_own_locale(self, locale: str) -> None:
        await self.set_locale_of(self.actor.user_id, locale)

    async def set_locale_of(self, user_id: UUID | None, locale: str) -> None:
        """The language of the session's user (the public language switch: the session says who it is)."""
        if locale not in LOCALES:
            raise DomainError(_("This language is not available."), "locale")
        user = await self.session.get(User, user_id) if user_id else None
        if user is not None:
            user.locale = locale

    # --- administration ---------------------------------------------------------------------------------------

    async def list_users(self) -> list[User]:
        return list(await self.session.scalars(select(User).order_by(User.is_active.desc(), User.username)))

    async def get_user(self, user_id: UUID) -> User:
        return await self._get(user_id)

    async def create_user(self, data: UserInput) -> User:
        username = data.username.strip().lower()
        if await self.session.scalar(select(User.id).where(User.username == username)):
            raise DomainError(_("This username is already taken."), "username")
        check_password_rules(data.password)
        self._check_role(data.role)
        sites = await self._sites(data.site_ids)
        _check_role_sites(data.role, sites)
        user = User(
            username=username,
            full_name=data.full_name,
            role=data.role,
            password_hash=await hash_password(data.password),
            sites=sites,
        )
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError as error:  # taken by a concurrent request a moment ago
            raise DomainError(_("This username is already taken."), "username") from error
        await audit.record(
            self.session,
            self.actor,
            "user.create",
            "user",
            user.id,
            ["username", "full_name", "role", "sites"],
        )
        return user

    async def update_user(self, user_id: UUID, data: UserInput) -> User:
        user = await self._get(user_id)
        self._check_role(data.role)
        if user.id == self.actor.user_id and data.role != user.role:
            raise DomainError(_("You cannot change your own role."), "role")
        sites = await self._sites(data.site_ids)
        _check_role_sites(data.role, sites)
        changed = []
        if user.full_name != data.full_name:
            user.full_name = data.full_name
            changed.append("full_name")
        if user.role != data.role:
            user.role = data.role
            user.session_epoch += 1
            changed.append("role")
        if {s.id for s in user.sites} != {s.id for s in sites}:
            user.sites = sites
            changed.append("sites")
        if changed:
            await audit.record(self.session, self.actor, "user.update", "user", user.id, changed)
        return user

    async def reset_password(self, user_id: UUID, password: str) -> None:
        user = await self._get(user_id)
        check_password_rules(password)
        user.password_hash = await hash_password(password)
        user.session_epoch += 1
        await audit.record(self.session, self.actor, "user.password_reset", "user", user.id, ["password"])

    async def set_active(self, user_id: UUID, active: bool) -> User:
        user = await self._get(user_id)
        if user.id == self.actor.user_id and not active:
            raise DomainError(_("You cannot deactivate your own account."))
        if user.is_active != active:
            user.is_active = active
            user.session_epoch += 1
            await audit.record(
                self.session, self.actor, "user.activate" if active else "user.deactivate", "user", user.id
            )
        return user

    # --- helpers ------------------------------------------------------------------------------------------------

    async def _get(self, user_id: UUID | None) -> User:
        user = await self.session.get(User, user_id) if user_id else None
        if user is None:
            raise NotFound(_("This user does not exist."))
        return user

    def _check_role(self, role: str) -> None:
        if role not in set(Role):
            raise DomainError(_("This option is not available."), "role")
        if self.actor.role != Role.ADMIN:
            raise Forbidden(_("Only an administrator can set roles."))

    async def _sites(self, site_ids: list[UUID]) -> list[Site]:
        if not site_ids:
            return []
        sites = list(await self.session.scalars(select(Site).where(Site.id.in_(site_ids))))
        if len(sites) != len(set(site_ids)):
            raise DomainError(_("One of the chosen sites does not exist."), "sites")
        return sites


def _check_role_sites(role: str, sites: list[Site]) -> None:
    """A partner shop's staff work at partner shops only: at least one, and no other site (a shop role at a
    shelter would open its residents' records to the shop)."""
    if role != Role.SHOP:
        return
    if not sites:
        raise DomainError(_("Choose the partner shop this user works at."), "sites")
    if any(SiteKind.SHOP not in site.kinds for site in sites):
        raise DomainError(_("Partner shop staff can be assigned to partner shops only."), "sites")
