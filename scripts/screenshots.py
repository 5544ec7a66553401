"""Screenshots of each role's start page at tablet size (768×1024), in Polish, from the demo database.

    .venv/bin/python scripts/screenshots.py                 # a fresh demo database in a temporary directory
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8000   # a server already running the demo

Without --url it migrates and seeds a throw-away SQLite database (`logistics database upgrade`, `logistics seed
demo`), serves it on a free port, takes the pictures and stops the server. The figures are the demo's on the day it
runs (the demo is loaded relative to today). Writes docs/screenshots/start-<role>.png (the first screen, as a
tablet shows it). Needs Chromium (Debian's /usr/bin/chromium, or `chromium` on PATH) and Playwright.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.async_api import async_playwright

from logistics.seeding import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
LOGISTICS = str(Path(sys.executable).parent / "logistics")
#: The demo users, one per role, in the order the README shows them.
USERS = ["shelter", "volunteer", "warehouse", "caseworker", "coordinator", "admin"]
TABLET = {"width": 768, "height": 1024}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


async def take(url: str, out: Path) -> list[Path]:
    executable = shutil.which("chromium") or "/usr/bin/chromium"
    taken = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for username in USERS:
            context = await browser.new_context(viewport=TABLET, locale="pl-PL", device_scale_factor=1)
            page = await context.new_page()
            await page.goto(f"{url}/login")
            await page.fill("#f-username", username)
            await page.fill("#f-password", DEMO_PASSWORD)
            await page.click("form[action='/login'] button[type=submit]")
            await page.wait_for_url(f"{url}/")
            await page.wait_for_load_state("networkidle")
            path = out / f"start-{username}.png"
            await page.screenshot(path=str(path))
            taken.append(path)
            await context.close()
        await browser.close()
    return taken


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the server stopped before it answered")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 — our own http://127.0.0.1 URL
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not answer in time")


def with_demo_server(out: Path) -> list[Path]:
    with tempfile.TemporaryDirectory(prefix="przystan-shots-") as tmp:
        env = {
            **os.environ,
            "LOGISTICS_DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/demo.db",
            "LOGISTICS_VAR_DIR": f"{tmp}/var",
            "LOGISTICS_SCHEDULER": "off",
            "LOGISTICS_SECRET_KEY": os.environ.get("LOGISTICS_SECRET_KEY", "screenshots-" + "0" * 40),
        }
        subprocess.run([LOGISTICS, "database", "upgrade", "--no-prompt"], env=env, check=True, capture_output=True)  # noqa: S603
        subprocess.run([LOGISTICS, "seed", "demo"], env=env, check=True, capture_output=True)  # noqa: S603
        port = _free_port()
        server = subprocess.Popen(  # noqa: S603 — our own command line
            [LOGISTICS, "serve", "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait_until_up(url, server)
            return asyncio.run(take(url, out))
        finally:
            server.terminate()
            server.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server with the demo data (default: start one on a fresh demo)")
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write the PNGs (default: {OUT})")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    taken = asyncio.run(take(args.url.rstrip("/"), args.out)) if args.url else with_demo_server(args.out)
    for path in taken:
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
