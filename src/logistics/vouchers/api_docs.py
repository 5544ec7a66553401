"""The API reference at /api/docs: Swagger UI served from our own static files, under the site's CSP.

Litestar's `SwaggerRenderPlugin` loads Swagger UI from a CDN and starts it with an inline script (with an inline
style and a CDN favicon), all of which `script-src 'self'; style-src 'self'` blocks: the page stays blank. This
plugin renders a page that references only /static files — the swagger-ui-dist bundle and stylesheet copied by
scripts/vendor.sh, and static/js/api-docs.js, which starts Swagger UI on the schema URL the page names in a data
attribute. Swagger UI's own styles are set through the CSSOM by React, which `style-src 'self'` allows.
"""

from __future__ import annotations

from html import escape
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin

VENDOR = "/static/vendor/swagger-ui"
#: What the page loads, all from our static files (scripts/vendor.sh copies the first two).
ASSETS = (
    f"{VENDOR}/swagger-ui.css",
    f"{VENDOR}/swagger-ui-bundle.js",
    "/static/js/api-docs.js",
)


class LocalSwaggerRenderPlugin(OpenAPIRenderPlugin):
    """Swagger UI from /static/vendor/swagger-ui with a static initializer: no CDN, no inline script or style."""

    def __init__(self, path: str = "/swagger") -> None:
        super().__init__(
            path=path, favicon='<link rel="icon" href="/static/img/icon.svg" type="image/svg+xml">', style=""
        )

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        title = escape(str(openapi_schema.get("info", {}).get("title", "API")))
        spec_url = escape(self.get_openapi_json_route(request))
        css, bundle, initializer = ASSETS
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
{self.favicon}
<link rel="stylesheet" href="{css}">
<script src="{bundle}" defer></script>
<script src="{initializer}" defer></script>
</head>
<body>
<main id="swagger-ui" data-spec-url="{spec_url}"><noscript>{title}: {spec_url}</noscript></main>
</body>
</html>
""".encode()
