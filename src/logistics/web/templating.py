"""The Jinja2 environment and `render()`: a full page for normal requests, one block of it for htmx requests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context, select_autoescape
from jinja2_fragments.litestar import HTMXBlockTemplate
from litestar import MediaType, Request
from litestar.plugins.jinja import JinjaTemplateEngine

from logistics.core import i18n, policy
from logistics.settings import LOCALES, Settings
from logistics.web.dependencies import actor_from_request
from logistics.web.layout import navigation
from logistics.web.responses import pop_flashes


@pass_context
def can(context: Any, action: str, thing: Any = None) -> bool:
    """In a template: whether the signed-in user may do `action` (to `thing`) — the domain's policy decides."""
    return policy.can(actor_from_request(context["request"]), action, thing)


def create_environment(settings: Settings) -> Environment:
    env = Environment(
        loader=FileSystemLoader(Path(settings.templates_dir)),
        autoescape=select_autoescape(["html", "xml"]),
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=settings.debug,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: i18n.translations(i18n.get_locale()).gettext(message),
        lambda singular, plural, n: i18n.translations(i18n.get_locale()).ngettext(singular, plural, n),
        newstyle=True,
    )
    env.globals.update(
        org_name=settings.org_name,
        locales=LOCALES,
        language_names=i18n.LANGUAGE_NAMES,
        current_locale=i18n.get_locale,
        navigation=navigation,
        pop_flashes=pop_flashes,
        can=can,
        localized=i18n.localized,
    )
    env.filters.update(
        datetime=i18n.format_datetime,
        date=i18n.format_date,
        time=i18n.format_time,
        weekday=i18n.format_weekday,
        number=i18n.format_number,
        figure=i18n.format_figure,
        money=i18n.format_money,
    )
    return env


def create_template_engine(settings: Settings) -> JinjaTemplateEngine:
    return JinjaTemplateEngine.from_environment(create_environment(settings))


def render(
    request: Request[Any, Any, Any],
    template: str,
    *,
    block: str | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMXBlockTemplate:
    """Render `template`; an htmx request that names a `block` gets only that block."""
    partial = block if block and request.headers.get("hx-request") == "true" else None
    return HTMXBlockTemplate(
        template_name=template,
        block_name=partial,
        context=context,
        status_code=status_code,
        media_type=MediaType.HTML,
    )
