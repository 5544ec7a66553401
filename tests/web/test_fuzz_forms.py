"""Every form, every hostile value: no server error, no traceback, nothing hostile shown unescaped.

Signed in as each of the roles that fill in forms, the test walks every page it can reach from the start page
(following links within the site; pages that differ only in the ids in their URL are visited twice at most) on the
demo centre, and submits every form it finds — GET and POST — with each hostile value in every field it can type
into. Forms that differ only in the ids in their action are submitted once.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin, urlsplit

import httpx
import pytest

from logistics.seeding import DEMO_PASSWORD

from ..conftest import csrf_token

HOSTILE = [
    "1e400",
    "-1",
    "NaN",
    "99999999999999999999",
    "1,5",
    "0001-01-01",
    "9999-12-31",
    "x" * 5000,
    "<script>alert('przystan')</script>",
    "",
    "a\x00b",
]
SCRIPT = "<script>alert('przystan')</script>"
#: Where the walk does not go: signing out, files, and the pages of another tool.
SKIP = re.compile(r"^/(logout|static/|api/docs)|\.(pdf|csv|json)(\?|$)")
ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9A-Z]{4}(-[0-9A-Z]{4}){2,}")
TYPED = {"text", "number", "date", "search", "tel", "email", "hidden", "time", "url", "password", "month", None}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict[str, Any]] = []
        self._form: dict[str, Any] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        elif tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").upper(), "fields": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in {"input", "textarea", "select", "button"} and a.get("name"):
            kind = (a.get("type") or "").lower() or None if tag == "input" else tag
            self._form["fields"].append({"name": a["name"], "type": kind, "value": a.get("value") or ""})
            if tag == "select":
                self._select = a["name"]
        elif tag == "option" and self._form is not None and self._select:
            for field in self._form["fields"]:
                if field["name"] == self._select and not field.get("option"):
                    field["option"] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _shape(path: str) -> str:
    return ID.sub("{id}", urlsplit(path).path)


async def _walk_and_submit(client: httpx.AsyncClient, username: str, problems: list[str]) -> int:
    client.cookies.clear()
    page = await client.get("/login")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token
    signed_in = await client.post(
        "/login",
        data={"_csrf_token": token.group(1), "username": username, "password": DEMO_PASSWORD},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303
    queue, seen, shapes, forms = ["/"], set(), {}, {}
    while queue and len(seen) < 250:
        url = queue.pop(0)
        if url in seen or shapes.get(_shape(url), 0) >= 2:
            continue
        seen.add(url)
        shapes[_shape(url)] = shapes.get(_shape(url), 0) + 1
        response = await client.get(url, follow_redirects=True)
        _check(response, f"{username} GET {url}", problems)
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        parser = _Page()
        parser.feed(response.text)
        for href in parser.links:
            target = urljoin(url, href)
            parts = urlsplit(target)
            if parts.netloc or not parts.path.startswith("/") or SKIP.search(target):
                continue
            queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
        for form in parser.forms:
            action = urljoin(url, form["action"] or url)
            key = (form["method"], _shape(action), tuple(sorted(f["name"] for f in form["fields"])))
            if not SKIP.search(action) and key not in forms:
                forms[key] = (action, form)
    for (method, _path, _names), (action, form) in forms.items():
        for value in HOSTILE:
            data: list[tuple[str, str]] = []
            for field in form["fields"]:
                name, kind = field["name"], field["type"]
                if name == "_csrf_token":
                    continue
                if kind in TYPED or kind == "textarea":
                    data.append((name, value))
                elif kind == "select":
                    data.append((name, field.get("option", "")))
                    data.append((name, value))
                elif kind in {"checkbox", "radio", "submit", "button"}:
                    data.append((name, field["value"] or "on"))
            label = f"{username} {method} {_shape(action)} = {value[:20]!r}"
            if method == "GET":
                separator = "&" if "?" in action else "?"
                response = await client.get(action + separator + urlencode(data), follow_redirects=True)
            else:
                data.append(("_csrf_token", csrf_token(client)))
                response = await client.post(
                    action,
                    content=urlencode(data),
                    headers={"content-type": "application/x-www-form-urlencoded"},
                    follow_redirects=True,
                )
            _check(response, label, problems)
    return len(forms)


def _check(response: httpx.Response, label: str, problems: list[str]) -> None:
    if response.status_code >= 500:
        problems.append(f"{label}: {response.status_code}")
    elif "Traceback (most recent call last)" in response.text:
        problems.append(f"{label}: a traceback in the page")
    elif SCRIPT in response.text:
        problems.append(f"{label}: the hostile script is shown unescaped")


@pytest.mark.parametrize("username", ["admin", "coordinator", "caseworker", "warehouse", "shelter", "volunteer"])
async def test_every_form_with_every_hostile_value(app, client, demo, username):
    problems: list[str] = []
    submitted = await _walk_and_submit(client, username, problems)
    assert submitted > 3  # the walk found the forms (it would pass vacuously on a broken start page)
    assert problems == [], "\n" + "\n".join(sorted(set(problems)))
