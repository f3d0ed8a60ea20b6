"""The console's shell in headless Chromium, against the whole platform on
SQLite and PostgreSQL: served under /console/ by the platform's edge; a
Bearer JWT of the platform's own key logs in and a forged one is refused
("invalid token"); log out returns to the form; at 360 px wide the nav fits
and works; the keyboard alone reaches the nav and the main buttons, with a
visible focus; and the browser console stays free of errors."""

from __future__ import annotations

import base64
import json

import httpx
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from tests.browser.conftest import Browser

PAGES = ("streams", "analytics", "events", "uploads", "search", "watchlists", "system")


def forged(token: str) -> str:
    """`token` with its claims changed and its signature kept: a token the
    platform's key did not sign."""
    header, claims, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    body["sub"] = "mallory"
    claims = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return f"{header}.{claims}.{signature}"


def test_the_console_is_served_by_the_edge(platform) -> None:
    page = httpx.get(platform.url("/console/"), timeout=30)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"], page.text[:200]
    bare = httpx.get(platform.url("/console"), timeout=30)
    assert bare.status_code == 200 and bare.text == page.text


def test_a_signed_token_logs_in_and_a_forged_one_is_refused(platform, browser: Browser) -> None:
    browser.open()
    browser.find("login-token").send_keys(forged(platform.bearer("operator")))
    browser.find("login-submit").click()
    assert "invalid token" in browser.find("login-error").text
    assert not browser.all("nav")
    # The refusal is the check's own 401, which Chromium logs as a failed load.
    browser.assert_no_console_errors(allow=("401",))

    browser.login()
    for page in PAGES:
        assert browser.find(f"nav-{page}").is_displayed()
    browser.go("events")
    browser.find("page-events")
    # The session survives a reload (sessionStorage) and ends with log out.
    browser.driver.refresh()
    browser.find("page-events")
    browser.find("logout").click()
    browser.find("login-token")
    browser.driver.refresh()
    browser.find("login-token")
    browser.assert_no_console_errors()


def test_at_360_px_wide_the_nav_fits_and_works(open_browser) -> None:
    browser: Browser = open_browser(width=360, height=740)
    browser.login()
    width = browser.driver.execute_script("return window.innerWidth")
    assert width == 360
    for page in PAGES:
        link = browser.find(f"nav-{page}")
        left, right = browser.driver.execute_script(
            "const r = arguments[0].getBoundingClientRect(); return [r.left, r.right];", link
        )
        assert 0 <= left and right <= 360, (page, left, right)
    for page in ("uploads", "search", "events", "watchlists"):
        browser.go(page)
        browser.find(f"page-{page}")
        # No sideways scrolling of the page: everything wraps inside 360 px.
        overflow = browser.driver.execute_script("return document.documentElement.scrollWidth")
        assert overflow <= 360, (page, overflow)
    browser.assert_no_console_errors()


def tab_through(browser: Browser, presses: int) -> list[tuple[str, str]]:
    """(data-testid or tag, outline style) of each element the Tab key reaches."""
    reached = []
    for _ in range(presses):
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
        reached.append(
            tuple(
                browser.driver.execute_script(
                    "const e = document.activeElement;"
                    "return [e.dataset.testid || e.tagName, getComputedStyle(e).outlineStyle];"
                )
            )
        )
    return reached


def test_the_keyboard_reaches_the_nav_and_the_main_buttons(platform, browser: Browser) -> None:
    browser.open()
    browser.find("login-token")
    reached = dict(tab_through(browser, 6))
    assert "login-token" in reached and "login-submit" in reached, reached
    browser.find("login-token").send_keys(platform.bearer("operator"))
    browser.find("login-token").send_keys(Keys.TAB)
    # Enter on the focused form submits it, as a click does.
    browser.find("login-submit").send_keys(Keys.ENTER)
    browser.find("nav")

    browser.open("events")
    browser.find("page-events")
    browser.driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    reached = dict(tab_through(browser, 50))
    for testid in [f"nav-{page}" for page in PAGES] + ["logout", "events-apply", "events-live-toggle"]:
        assert testid in reached, (testid, reached)
        assert reached[testid] != "none", f"{testid} has no visible focus"
    # Enter on a focused nav link follows it.
    browser.find("nav-uploads").send_keys(Keys.ENTER)
    browser.find("page-uploads")
    browser.assert_no_console_errors()
