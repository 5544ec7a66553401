"""The scan page's service worker route: its cache version follows the files it caches."""

from __future__ import annotations

import os
from pathlib import Path

from logistics.vouchers.scan_controllers import _ServiceWorker

WORKER = """const VERSION = "dev";
const STATIC_FILES = ["/static/js/a.js", "/static/css/b.css"];
"""


def _static(tmp_path: Path) -> Path:
    (tmp_path / "js").mkdir()
    (tmp_path / "css").mkdir()
    (tmp_path / "js" / "scan-sw.js").write_text(WORKER)
    (tmp_path / "js" / "a.js").write_text("one")
    (tmp_path / "css" / "b.css").write_text("body {}")
    return tmp_path


def _version(source: bytes) -> str:
    return source.decode().split('"')[1]


def test_the_version_is_a_hash_of_the_worker_and_its_files_and_changes_with_them(tmp_path):
    static = _static(tmp_path)
    worker = _ServiceWorker()
    first = worker.source(static)
    assert first.startswith(b'const VERSION = "') and b'"dev"' not in first
    assert worker.source(static) == first  # nothing changed: the same source (and no hashing again)
    assert _ServiceWorker().source(static) == first  # another process, the same files: the same version
    (static / "js" / "a.js").write_text("two")
    os.utime(static / "js" / "a.js", ns=(1, 1))
    second = worker.source(static)
    assert _version(second) != _version(first)
    (static / "js" / "a.js").write_text("one")
    os.utime(static / "js" / "a.js", ns=(2, 2))
    assert worker.source(static) == first  # the same contents again: the same version, whatever the file times
    assert b'"/static/css/b.css"' in first  # the rest of the worker is unchanged


def test_the_real_worker_lists_files_that_exist():
    from logistics.settings import get_settings

    static = Path(get_settings().static_dir)
    source = (static / "js" / "scan-sw.js").read_text()
    listed = [part.split('"')[0] for part in source.split('"/static/')[1:]]
    assert listed and all((static / path).is_file() for path in listed), listed


async def test_the_scan_page_gives_the_script_its_texts_in_each_language(client, people, aid):
    import json
    import re

    from ..conftest import login

    await login(client, "wolontariusz")
    seen = {}
    for locale in ("pl", "en", "uk"):
        client.cookies.set("lang", locale)
        page = await client.get(f"/scan/{aid.point.id}")
        assert page.status_code == 200
        found = re.search(r'<script type="application/json" id="scan-texts">(.*?)</script>', page.text, re.S)
        assert found, "no texts for the offline script"
        texts = json.loads(found.group(1))
        assert "%(time)s" in texts["offline"] and "%(num)s" in texts["waiting"]["few"]
        assert set(texts["person"]) == {"one", "few", "many", "other"}
        assert f'data-point="{aid.point.id}"' in page.text and 'rel="manifest"' in page.text
        seen[locale] = texts["offline"]
    assert len(set(seen.values())) == 3  # translated: three languages, three texts
    worker = await client.get("/scan/sw.js")
    assert worker.status_code == 200 and worker.headers["content-type"].startswith("text/javascript")
    manifest = await client.get("/scan/app.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["start_url"] == "/scan/"
    start = await client.get("/scan/", follow_redirects=False)  # the installed app's start: the user's one point
    assert start.status_code in {302, 303} and start.headers["location"].endswith(f"/scan/{aid.point.id}")
