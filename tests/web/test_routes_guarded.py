"""Every route is guarded by a role check, or on this explicit public list."""

from __future__ import annotations

from litestar.handlers import HTTPRouteHandler

PUBLIC = {
    ("/login", "GET"),
    ("/login", "POST"),
    ("/language", "POST"),
    ("/healthz", "GET"),
    ("/readyz", "GET"),
    ("/public/free-places", "GET"),
    ("/v/{code:str}", "GET"),  # the voucher's QR on the household's phone: the code is the key, no personal data
    ("/public/services", "GET"),  # the directory of services, when LOGISTICS_PUBLIC_DIRECTORY is on
    # the receiving institution confirms a referral: the code is the key; first name, initial and service only
    ("/r", "GET"),
    ("/r", "POST"),
    ("/r/{code:str}", "GET"),
    ("/r/{code:str}", "POST"),
}
PUBLIC_PREFIXES = ("/static",)


def _routes(app):
    for route in app.routes:
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler):
                for method in handler.http_methods:
                    yield route.path, method, handler


def test_every_route_is_guarded_or_public(app):
    unguarded = []
    for path, method, handler in _routes(app):
        if (path, method) in PUBLIC or path.startswith(PUBLIC_PREFIXES) or method in {"HEAD", "OPTIONS"}:
            continue
        guards = handler.resolve_guards()
        if not any(hasattr(getattr(guard, "func", guard), "roles") for guard in guards):
            unguarded.append(f"{method} {path}")
    assert unguarded == []


def test_public_routes_are_excluded_from_authentication_and_exist(app):
    seen = {(path, method) for path, method, _ in _routes(app)}
    assert seen >= PUBLIC
    for path, method, handler in _routes(app):
        if (path, method) in PUBLIC:
            assert handler.opt.get("exclude_from_auth"), path


async def test_every_guarded_get_page_refuses_anonymous_visitors(app, client, people):
    for path, method, _handler in _routes(app):
        if method != "GET" or (path, method) in PUBLIC or path.startswith(PUBLIC_PREFIXES) or "{" in path:
            continue
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in {302, 401}, path
