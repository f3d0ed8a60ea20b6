"""The operator console in a real browser: Debian's headless Chromium driven
by Selenium through Debian's chromedriver (scripts/bootstrap.sh installs both
when missing and root), against the whole platform of tests/conftest.py
(`platform`, once on SQLite and once on PostgreSQL per module).

Every test here is marked `browser`. A failed test leaves a screenshot and
the browser's console log in `test-artifacts/<test>.png` / `.log`."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.platform_launcher import RunningPlatform

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, Any]:
    """Keep each phase's report on the item, so the `browser` fixture's
    teardown knows whether the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def chromium_missing() -> str:
    """Why the browser tests cannot run here ("" when they can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} is missing: install chromium and chromium-driver (scripts/bootstrap.sh test as root)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (the test extra: scripts/bootstrap.sh test)"
    return ""


class Browser:
    """One headless Chromium session on the console of a running platform."""

    def __init__(self, platform: RunningPlatform, width: int = 1280, height: int = 900) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.platform = platform
        self.profile = tempfile.mkdtemp(prefix="vigil-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for argument in (
            "--headless=new",
            "--no-sandbox",  # root in a container has no user namespaces
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-default-apps",
            "--disable-sync",
            f"--user-data-dir={self.profile}",
            f"--window-size={width},{height}",
        ):
            options.add_argument(argument)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # The driver's path is given, so Selenium Manager never runs (it would
        # try to download a driver); SE_OFFLINE keeps it off the network anyway.
        os.environ["SE_OFFLINE"] = "true"
        self.driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
        self.driver.set_page_load_timeout(60)
        # The exact viewport (a window cannot be made as narrow as a phone):
        # under 600 px wide it is a phone's (touch, the page's viewport meta).
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
        )
        self.console: list[dict[str, Any]] = []  # every browser log entry read so far

    # -- navigation ---------------------------------------------------------------
    def url(self, route: str = "") -> str:
        """The console's address on the main listener, with a hash route
        (`streams`, `events`, ...)."""
        return self.platform.url("/console/") + (f"#/{route}" if route else "")

    def open(self, route: str = "") -> None:
        self.driver.get(self.url(route))

    def go(self, route: str) -> None:
        """Go to a page through the nav, as an operator does."""
        self.find(f"nav-{route}").click()
        self.wait(lambda _: self.driver.execute_script("return location.hash") == f"#/{route}")

    # -- finding and waiting ----------------------------------------------------------
    def find(self, testid: str, timeout: float = 20) -> Any:
        """The visible element with `data-testid=testid` (waits for it)."""
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support import expected_conditions as ec
        from selenium.webdriver.support.ui import WebDriverWait

        return WebDriverWait(self.driver, timeout).until(
            ec.visibility_of_element_located((By.CSS_SELECTOR, f'[data-testid="{testid}"]'))
        )

    def all(self, testid: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, f'[data-testid="{testid}"]'))

    def wait(self, condition: Callable[[Any], Any], timeout: float = 30, message: str = "") -> Any:
        from selenium.common.exceptions import StaleElementReferenceException
        from selenium.webdriver.support.ui import WebDriverWait

        # A page re-renders while a condition reads it (a live feed, a list
        # refreshed every few seconds): an element gone stale is read again.
        return WebDriverWait(
            self.driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,)
        ).until(condition, message)

    # -- signing in -------------------------------------------------------------------
    def login(self, token: str | None = None) -> None:
        """Sign in with a Bearer JWT (the platform's own `vigil jwt` key when
        `token` is None) and wait for the nav."""
        self.open()
        field = self.find("login-token")
        field.clear()
        field.send_keys(token if token is not None else self.platform.bearer("operator"))
        self.find("login-submit").click()
        self.find("nav")

    # -- the console log -----------------------------------------------------------------
    def read_console(self) -> list[dict[str, Any]]:
        """The browser log entries since the last read (also kept in `console`)."""
        with contextlib.suppress(Exception):  # a crashed tab has no log to read
            entries = list(self.driver.get_log("browser"))
            self.console.extend(entries)
            return entries
        return []

    def assert_no_console_errors(self, allow: tuple[str, ...] = ()) -> None:
        """No error in the browser console since the last check, but those
        whose message contains one of `allow` (an expected 401, say)."""
        errors = [
            entry
            for entry in self.read_console()
            if entry.get("level") == "SEVERE" and not any(text in entry.get("message", "") for text in allow)
        ]
        assert not errors, "browser console errors:\n" + "\n".join(e["message"] for e in errors)

    # -- artifacts and closing ---------------------------------------------------------
    def save_artifacts(self, name: str) -> list[Path]:
        ARTIFACTS.mkdir(exist_ok=True)
        saved = []
        picture = ARTIFACTS / f"{name}.png"
        with contextlib.suppress(Exception):
            if self.driver.save_screenshot(str(picture)):
                saved.append(picture)
        self.read_console()
        log = ARTIFACTS / f"{name}.log"
        lines = [json.dumps(entry) for entry in self.console]
        with contextlib.suppress(Exception):
            lines.insert(0, f"url: {self.driver.current_url}")
        log.write_text("\n".join(lines) + "\n")
        saved.append(log)
        return saved

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.driver.quit()
        shutil.rmtree(self.profile, ignore_errors=True)


def artifact_name(item: pytest.Item) -> str:
    """`test_login.py::test_x[sqlite]` -> `test_login-test_x-sqlite`."""
    name = item.nodeid.split("/")[-1].replace(".py::", "-")
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")


@pytest.fixture
def open_browser(request: pytest.FixtureRequest, platform: RunningPlatform) -> Iterator[Callable[..., Browser]]:
    """Start browsers on the module's platform (`open_browser(width=360)`);
    on a failed test each leaves its screenshot and console log in
    `test-artifacts/` (named after the test, `-2` for a second browser)."""
    reason = chromium_missing()
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    started: list[Browser] = []

    def start(**size: int) -> Browser:
        browser = Browser(platform, **size)
        started.append(browser)
        return browser

    yield start
    failed = any(getattr(getattr(request.node, f"report_{when}", None), "failed", False) for when in ("setup", "call"))
    for number, browser in enumerate(started, 1):
        if failed:
            name = artifact_name(request.node) + (f"-{number}" if number > 1 else "")
            for path in browser.save_artifacts(name):
                print(f"saved {path}")
        browser.close()


@pytest.fixture
def browser(open_browser: Callable[..., Browser]) -> Browser:
    """One desktop-sized browser on the module's platform."""
    return open_browser()
