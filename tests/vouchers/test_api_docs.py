"""The API reference at /api/docs: only our own static files (which exist), no inline script or style, so the
site's CSP lets it run (the browser test tests/browser/test_api_docs.py shows it rendered)."""

from __future__ import annotations

import re

from logistics.settings import get_settings
from logistics.web.middleware import CONTENT_SECURITY_POLICY

from ..conftest import login


async def test_the_api_reference_uses_only_our_own_static_files(client, people):
    await login(client, "volunteer")
    page = await client.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    html = page.text
    assert "<style" not in html and " style=" not in html  # no inline style ...
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []  # ... and no inline script
    assert "http" not in html.lower().replace('content="width', "")  # no CDN, nothing from elsewhere
    urls = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/vendor/swagger-ui/swagger-ui.css"} <= set(urls)
    assert "/static/js/api-docs.js" in urls
    static_dir = get_settings().static_dir
    for url in urls:
        assert url.startswith("/static/"), url
        assert (static_dir / url.removeprefix("/static/")).is_file(), f"{url}: run scripts/vendor.sh"
        assert (await client.get(url)).status_code == 200, url
    spec = re.search(r'data-spec-url="([^"]+)"', html).group(1)
    schema = await client.get(spec)
    assert schema.status_code == 200 and "/api/v1/redemptions" in schema.json()["paths"]


async def test_the_api_reference_needs_a_signed_in_user(client, people):
    page = await client.get("/api/docs", follow_redirects=False)
    assert page.status_code in (302, 303, 401) and "swagger" not in page.text.lower()
