"""Sign-in and sign-out, the language switch, the user's own account, and user administration."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from logistics.accounts.models import User
from logistics.accounts.passwords import MAX_PASSWORD_LENGTH
from logistics.accounts.policy import MANAGE_USERS, OWN_ACCOUNT, policy
from logistics.accounts.services import USERNAME_PATTERN, AccountService, LoginThrottled, UserInput
from logistics.core.errors import DomainError
from logistics.core.i18n import _, _l
from logistics.core.roles import Role
from logistics.settings import LOCALES
from logistics.sites.services import SiteService
from logistics.web.dependencies import services
from logistics.web.forms import Form
from logistics.web.guards import may
from logistics.web.layout import register_nav
from logistics.web.responses import flash, local_path, see_other
from logistics.web.templating import render

PUBLIC = {"exclude_from_auth": True}
ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.CASE_WORKER: _l("Case worker"),
    Role.SHELTER_STAFF: _l("Shelter staff"),
    Role.WAREHOUSE: _l("Warehouse"),
    Role.VOLUNTEER: _l("Volunteer"),
    Role.SHOP: _l("Partner shop staff"),
}

register_nav(lambda: _("Users"), "/admin/users", policy.roles(MANAGE_USERS), order=90)


class AuthController(Controller):
    """Public pages: sign in, sign out, language."""

    dependencies = services(accounts=AccountService)

    @get("/login", opt=PUBLIC, name="login")
    async def login_page(
        self, request: Request[Any, Any, Any], next_: Annotated[str | None, QueryParameter(name="next")] = None
    ) -> Any:
        if request.session.get("user_id"):
            return see_other(request, local_path(next_))
        return render(request, "accounts/login.html", form=Form(), next=local_path(next_), message=None)

    @post("/login", opt=PUBLIC)
    async def login(self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]) -> Any:
        form = Form(await request.form())
        username = form.text("username", max_length=64)
        password = form.text("password", max_length=MAX_PASSWORD_LENGTH)
        target = local_path(form.raw("next"))
        if not form.valid:
            return render(
                request,
                "accounts/login.html",
                block="form",
                status_code=422,
                form=form,
                next=target,
                message=None,
            )
        try:
            outcome = await accounts.authenticate(username, password)
            status, message, user = 401, outcome.refusal, outcome.user
        except LoginThrottled as error:
            status, message, user = 429, error.message, None
        if user is None:  # refused; a counted failure is committed with the answer
            return render(
                request,
                "accounts/login.html",
                block="form",
                status_code=status,
                form=form,
                next=target,
                message=message,
            )
        request.clear_session()
        request.set_session({"user_id": str(user.id), "epoch": user.session_epoch})
        response = see_other(request, target)
        if user.locale:
            response.set_cookie(language_cookie(user.locale))
        return response

    @post("/logout", guards=[may(OWN_ACCOUNT)])
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        request.clear_session()
        return see_other(request, "/login", _("You have been signed out."))

    @post("/language", opt=PUBLIC)
    async def switch_language(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]
    ) -> Response[Any]:
        form = Form(await request.form())
        locale = form.choice("locale", LOCALES)
        target = local_path(form.raw("next"))
        if not form.valid:
            flash(request, form.errors["locale"], category="error")
            return see_other(request, target)
        user_id = request.session.get("user_id")
        if user_id:
            await accounts.set_locale_of(UUID(user_id), locale)
        response = see_other(request, target)
        response.set_cookie(language_cookie(locale))
        return response


def language_cookie(locale: str) -> Cookie:
    return Cookie(key="lang", value=locale, max_age=365 * 24 * 3600, httponly=True, samesite="lax", path="/")


class AccountController(Controller):
    """The signed-in user's own account."""

    path = "/account"
    guards = [may(OWN_ACCOUNT)]
    dependencies = services(accounts=AccountService)

    @get("/")
    async def page(self, request: Request[Any, Any, Any]) -> Any:
        return render(request, "accounts/account.html", form=Form(), role_labels=ROLE_LABELS)

    @post("/password")
    async def change_password(self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]) -> Any:
        form = Form(await request.form())
        current = form.text("current", max_length=MAX_PASSWORD_LENGTH)
        new = form.text("new", max_length=MAX_PASSWORD_LENGTH)
        repeated = form.text("repeated", max_length=MAX_PASSWORD_LENGTH)
        if form.valid:
            try:
                await accounts.change_own_password(current, new, repeated)
                return see_other(request, "/account", _("Your password has been changed."))
            except DomainError as error:
                form.error(error.field or "new", error.message)
        return render(
            request,
            "accounts/account.html",
            block="password_form",
            status_code=422,
            form=form,
            role_labels=ROLE_LABELS,
        )


class UserAdminController(Controller):
    """Administrators manage users: create, role and sites, reset password, deactivate."""

    path = "/admin/users"
    guards = [may(MANAGE_USERS)]
    dependencies = services(accounts=AccountService, sites=SiteService)

    async def _context(self, sites: SiteService) -> dict[str, Any]:
        active_sites = await sites.list_sites(include_inactive=False)
        return {
            "role_options": [(role.value, str(ROLE_LABELS[role])) for role in Role],
            "site_options": [(str(site.id), site.name) for site in active_sites],
        }

    @get("/")
    async def list_users(self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService]) -> Any:
        users = await accounts.list_users()
        return render(request, "accounts/users.html", users=users, role_labels=ROLE_LABELS)

    @get("/new")
    async def new_user(self, request: Request[Any, Any, Any], sites: NamedDependency[SiteService]) -> Any:
        context = await self._context(sites)
        return render(request, "accounts/user_form.html", form=Form(), user=None, **context)

    @post("/new")
    async def create_user(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        sites: NamedDependency[SiteService],
    ) -> Any:
        return await self._save(request, accounts, sites, None)

    @get("/{user_id:uuid}")
    async def edit_user(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        sites: NamedDependency[SiteService],
        user_id: FromPath[UUID],
    ) -> Any:
        user = await accounts.get_user(user_id)
        form = Form.filled(
            username=user.username,
            full_name=user.full_name,
            role=user.role,
            sites=[str(site.id) for site in user.sites],
        )
        context = await self._context(sites)
        return render(request, "accounts/user_form.html", form=form, user=user, **context)

    @post("/{user_id:uuid}")
    async def update_user(
        self,
        request: Request[Any, Any, Any],
        accounts: NamedDependency[AccountService],
        sites: NamedDependency[SiteService],
        user_id: FromPath[UUID],
    ) -> Any:
        user = await accounts.get_user(user_id)
        return await self._save(request, accounts, sites, user)

    async def _save(
        self,
        request: Request[Any, Any, Any],
        service: AccountService,
        sites: NamedDependency[SiteService],
        user: User | None,
    ) -> Any:
        """Create (`user` None) or update a user from the posted form; the form again with errors (422)."""
        form = Form(await request.form())
        data = read_user_form(form, with_password=user is None)
        if user is not None:
            form.values["username"] = user.username
        if data:
            try:
                if user is None:
                    created = await service.create_user(data)
                    return see_other(request, f"/admin/users/{created.id}", _("The user has been created."))
                await service.update_user(user.id, data)
                return see_other(request, f"/admin/users/{user.id}", _("The changes have been saved."))
            except DomainError as error:
                form.error(error.field or ("username" if user is None else "role"), error.message)
        context = await self._context(sites)
        return render(
            request, "accounts/user_form.html", block="form", status_code=422, form=form, user=user, **context
        )

    @post("/{user_id:uuid}/password")
    async def reset_password(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService], user_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        password = form.text("password", max_length=MAX_PASSWORD_LENGTH)
        try:
            if form.valid:
                await accounts.reset_password(user_id, password)
                return see_other(request, f"/admin/users/{user_id}", _("The password has been reset."))
        except DomainError as error:
            form.error("password", error.message)
        flash(request, form.errors.get("password", ""), category="error")
        return see_other(request, f"/admin/users/{user_id}")

    @post("/{user_id:uuid}/active")
    async def set_active(
        self, request: Request[Any, Any, Any], accounts: NamedDependency[AccountService], user_id: FromPath[UUID]
    ) -> Any:
        form = Form(await request.form())
        active = form.boolean("active")
        try:
            await accounts.set_active(user_id, active)
        except DomainError as error:
            flash(request, error.message, category="error")
            return see_other(request, f"/admin/users/{user_id}")
        message = _("The account has been activated.") if active else _("The account has been deactivated.")
        return see_other(request, f"/admin/users/{user_id}", message)


def read_user_form(form: Form, *, with_password: bool) -> UserInput | None:
    username = (
        form.pattern(
            "username",
            USERNAME_PATTERN,
            _("Use 2–64 lower-case letters, digits, dots, dashes or underscores."),
        )
        if with_password
        else ""
    )
    full_name = form.text("full_name", required=False, max_length=120)
    role = form.choice("role", [role.value for role in Role])
    site_ids = form.uuids("sites")
    password = form.text("password", max_length=MAX_PASSWORD_LENGTH) if with_password else ""
    if not form.valid:
        return None
    return UserInput(username=username, full_name=full_name, role=role, site_ids=site_ids, password=password)
