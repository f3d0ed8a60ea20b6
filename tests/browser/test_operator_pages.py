"""The console's operator pages in headless Chromium against the whole
platform and a real RTSP camera (tests/rtsp_server.py), on SQLite and
PostgreSQL (README "Operator console"):

- streams: an address the API refuses shows its message; a camera added
  through the form reaches RUNNING with its fps and resolution in the list;
  its live MJPEG shows frames; an edit renames it; a delete removes it;
- analytics: people analytics assigned to the camera from the catalog with a
  form made from its JSON Schema, a counting line drawn by two clicks on the
  current frame is stored normalised where it was clicked, with the direction
  chosen; reversed and saved again, then removed;
- system: versions, the node and its worker, resources with their chart,
  the models the catalog shows loaded.

The fixtures (`browser`, `open_browser`, Browser) are tests/browser/conftest.py's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

pytest.importorskip("tests.browser.conftest", reason="tests/browser/conftest.py (the browser fixtures) is missing")

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import Browser
from tests.conftest import free_port, http_client
from tests.e2e.test_engine_live import PLATFORM_ENV, create
from tests.rtsp_support import RtspServer, rtsp_server

__all__ = ["PLATFORM_ENV"]

#: A refused form is a 400 the browser logs on its own; nothing else may be.
EXPECTED_400 = "the server responded with a status of 400"


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspServer]:
    with rtsp_server(free_port(), "--live", "/live", "--size", "640x360", "--fps", "25") as server:
        yield server


@pytest.fixture(scope="module")
def api(platform: Any) -> Iterator[httpx.Client]:
    with http_client(platform) as client:
        yield client


def shows(browser: Browser, testid: str, text: str) -> None:
    """Wait until the element says `text` (an answer may replace an older message)."""
    browser.wait(lambda _: browser.find(testid).text == text, 30, f"{testid} never said {text!r}")


def row_text(browser: Browser, stream_id: str) -> str:
    rows = browser.all(f"stream-row-{stream_id}")
    return str(rows[0].text) if rows else ""


def test_streams_add_watch_edit_delete(browser: Browser, camera: RtspServer, api: httpx.Client) -> None:
    browser.login()
    browser.go("streams")
    browser.find("stream-add").click()
    browser.find("stream-form-address").send_keys("ftp://camera.local/live")
    browser.find("stream-form-submit").click()
    shows(browser, "stream-form-error", "Invalid stream_address")

    address = browser.find("stream-form-address")
    address.clear()
    address.send_keys(camera.url("/live"))
    browser.find("stream-form-name").send_keys("gate")
    browser.find("stream-form-submit").click()
    shows(browser, "streams-message", "gate: stream successfully created")
    [stream] = [s for s in api.get("/streams").json()["streams"] if s["stream_name"] == "gate"]
    sid = stream["stream_id"]

    # The live view opens the stream; the list then shows it running.
    browser.open(f"streams/0/{sid}")
    image = browser.find("live-mjpeg")
    browser.wait(lambda _: browser.driver.execute_script("return arguments[0].naturalWidth", image) > 0, 60)
    assert browser.driver.execute_script("return arguments[0].naturalHeight", image) == 480
    browser.wait(lambda _: browser.find("stream-state").text == "RUNNING", 60, "the stream never ran")
    browser.find("back-to-streams").click()
    browser.wait(lambda _: "640\u00d7360" in row_text(browser, sid), 30, "no resolution in the list")
    row = browser.find(f"stream-row-{sid}")
    assert "RUNNING" in row.text and float(row.find_element("css selector", '[data-testid="stream-fps"]').text) > 0

    row.find_element("css selector", '[data-testid="stream-edit"]').click()
    name = browser.find("stream-form-name")
    # The form fills in the stream's own values when its detail arrives:
    # edit the name only then, or the typing lands before the fill.
    browser.wait(lambda _: name.get_attribute("value") == "gate", 30, "the form never showed the stream's name")
    name.clear()
    name.send_keys("gate 2")
    browser.wait(lambda _: name.get_attribute("value") == "gate 2", 10, "the name field did not take the edit")
    browser.find("stream-form-submit").click()
    shows(browser, "streams-message", "gate 2: stream successfully updated")
    assert api.get(f"/streams/0/{sid}").json()["stream_name"] == "gate 2"

    browser.find(f"stream-row-{sid}").find_element("css selector", '[data-testid="stream-delete"]').click()
    browser.find("stream-delete-confirm").click()
    shows(browser, "streams-message", "gate 2: stream successfully deleted")
    browser.wait(lambda _: not browser.all(f"stream-row-{sid}"), 10)
    assert api.get(f"/streams/0/{sid}").status_code == 404
    browser.assert_no_console_errors(allow=(EXPECTED_400,))


def click_at(browser: Browser, element: Any, fx: float, fy: float) -> None:
    """Click at a fraction of the element's size from its top-left corner."""
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    rect = element.rect
    dx, dy = int(rect["width"] * (fx - 0.5)), int(rect["height"] * (fy - 0.5))
    ActionChains(browser.driver).move_to_element_with_offset(element, dx, dy).click().perform()


def test_analytics_assign_draw_edit_remove(browser: Browser, camera: RtspServer, api: httpx.Client) -> None:
    sid = create(api, camera.url("/live"))
    pipeline = f"/api/visionaire/pipeline/0/{sid}/NFV4-MPA"
    browser.login()
    browser.go("analytics")
    assert "People Analytics" in browser.find("catalog-NFV4-MPA").text
    Select(browser.find("assign-stream")).select_by_value(f"0/{sid}")
    Select(browser.find("assign-analytic")).select_by_value("NFV4-MPA")
    browser.find("assign-open").click()
    browser.wait(lambda _: "Not assigned yet" in browser.find("assignment-state").text)
    frame = browser.find("frame-image")  # the current frame of the camera
    browser.wait(lambda _: browser.driver.execute_script("return arguments[0].naturalWidth", frame))

    # Fields from the JSON Schema, with its bounds.
    fps = browser.find("cfg-sample_fps")
    assert fps.get_attribute("value") == "5" and fps.get_attribute("max") == "30"
    browser.find("sub-counting-include").click()
    browser.find("draw-sub_analytics-counting-areas").click()
    canvas = browser.find("frame-canvas")
    click_at(browser, canvas, 0.2, 0.4)
    click_at(browser, canvas, 0.8, 0.6)
    browser.find("drawing-finish").click()
    Select(browser.find("cfg-sub_analytics-counting-areas.0.direction")).select_by_value("in")
    fps.clear()
    fps.send_keys("99")
    browser.find("assignment-save").click()
    shows(browser, "assignment-error", "invalid configuration: sample_fps must be at most 30")
    fps.clear()
    fps.send_keys("4")
    browser.find("assignment-save").click()
    shows(browser, "assignment-message", "NFV4-MPA assigned")

    config = api.get(pipeline).json()["config"]
    assert config["sample_fps"] == 4
    [counting] = config["sub_analytics"]
    [line] = counting["areas"]
    assert counting["name"] == "counting" and line["name"] == "line 1" and line["direction"] == "in"
    (a, b) = line["points"]
    assert abs(a["x"] - 0.2) < 0.02 and abs(a["y"] - 0.4) < 0.02, line
    assert abs(b["x"] - 0.8) < 0.02 and abs(b["y"] - 0.6) < 0.02, line

    browser.find("shape-reverse").click()
    browser.find("assignment-save").click()
    browser.wait(lambda _: "updated" in browser.find("assignment-message").text)
    reversed_points = api.get(pipeline).json()["config"]["sub_analytics"][0]["areas"][0]["points"]
    assert reversed_points == [b, a]

    browser.find("assignment-remove").click()
    browser.find("assignment-remove-confirm").click()
    shows(browser, "assignment-message", "NFV4-MPA removed from the stream")
    assert api.get(f"/streams/0/{sid}").json()["pipelines"] == []
    browser.assert_no_console_errors(allow=(EXPECTED_400,))


def test_system_page(browser: Browser, api: httpx.Client) -> None:
    browser.login()
    browser.go("system")
    version = api.get("/").json()["version"]
    browser.wait(lambda _: browser.find("system-version").text == "{major}.{minor}.{patch}".format(**version))
    browser.wait(lambda _: "healthy" in browser.find("system-health").text)
    assert "online" in browser.find("node-0").text
    assert "%" in browser.find("resource-cpu").text
    browser.find("resource-chart-0")
    models = {m for a in api.get("/analytic_list").json()["analytics"] for m in a["models"]}
    assert models and all(browser.all(f"model-{m}") for m in models)
    browser.assert_no_console_errors()
