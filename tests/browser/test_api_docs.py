"""/api/docs in the browser under the site's CSP: Swagger UI from our static files shows the API's operations,
and the console reports no Content Security Policy violation (the CDN version was a blank page)."""

from __future__ import annotations

from .conftest import sign_in


async def test_the_api_reference_renders_under_the_csp(browser, live_url, people, screenshots):
    context = await browser.new_context(viewport={"width": 768, "height": 1024})
    page = await context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    violations: list[str] = []
    await page.expose_function("reportViolation", lambda text: violations.append(text))
    await page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))"
    )
    elsewhere: list[str] = []
    page.on("request", lambda request: None if request.url.startswith(live_url) else elsewhere.append(request.url))
    await sign_in(page, live_url, "volunteer")
    await page.goto(f"{live_url}/api/docs")
    operation = page.locator(".opblock-summary-path", has_text="/api/v1/redemptions")
    await operation.first.wait_for()
    assert await page.locator(".opblock").count() >= 2  # the voucher look-up and the redemption at least
    await page.locator(".opblock-summary", has_text="/api/v1/redemptions").first.click()  # expands: React restyles
    await page.locator(".opblock-body").first.wait_for()
    await page.screenshot(path=str(screenshots / "api-docs.png"))
    assert violations == []
    assert [text for text in problems if "Content Security Policy" in text or "Refused" in text] == []
    assert elsewhere == []  # nothing fetched from a CDN
    await context.close()
