"""Render static/img/icon.svg as the PNG icons the scan page's web app manifest lists (192 and 512 px, maskable:
the brand colour to the edges, the house in the middle), with Debian's Chromium. Run again after changing the SVG:
`.venv/bin/python scripts/make_icons.py`."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from playwright.async_api import async_playwright

STATIC = Path(__file__).resolve().parent.parent / "static" / "img"
BACKGROUND = "#1d5c8c"  # the SVG's own background


async def main() -> None:
    svg = (STATIC / "icon.svg").read_text(encoding="utf-8")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"]
        )
        for size in (192, 512):
            page = await browser.new_page(viewport={"width": size, "height": size})
            inner = int(size * 0.8)
            icon = svg.replace("<svg ", f'<svg width="{inner}" height="{inner}" ', 1)
            await page.set_content(
                f"<body style='margin:0;background:{BACKGROUND}'><div style='width:{size}px;height:{size}px;"
                f"display:flex;align-items:center;justify-content:center'>{icon}</div></body>"
            )
            await page.screenshot(path=str(STATIC / f"icon-{size}.png"))
        await browser.close()


if __name__ == "__main__":
    asyncio.run(main())
