"""The console's work pages in headless Chromium, against the whole platform
(real engine, inference and uploads) on SQLite and PostgreSQL:

- streams: a stream of the test RTSP server (tests/rtsp_server.py, a moving
  ball) is added with the form; its page shows a live image that changes;
- analytics and events: on the synthetic crossing clip (a person walking
  right, back, right across the middle: tests/unit/test_people_counting_clip.py,
  as the e2e engine tests use it) NFV4-MPA is assigned with a counting line
  drawn by clicking on the current frame; the events page's live feed and its
  count of crossings in rise;
- uploads: the synthetic crossing clip (tests/unit/test_people_counting_clip.py)
  is chosen in the file input and sent in Lenz chunks over a throttled
  network; the page is reloaded mid-upload, offers to resume, and after the
  same file is chosen again sends only what the server lacks; the bar reaches
  100 % and the people-counting job it asked for runs to `done`;
- search: a plate read by the real NFV4-LPR3 pipeline on a `file://` stream
  (tests/plates_support.py) is found by typing it with a misread, with its
  thumbnail, time and stream, and shows in the events feed with its thumbnail;
- watch lists and search by photo: a list and a person made with the forms,
  the astronaut's photo enrolled (a cat's refused with the API's message);
  her picture pushed into smart search (`/extract`) is found by choosing the
  same photo on the search page."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.support.ui import Select

from tests.browser.conftest import Browser
from tests.conftest import free_port
from tests.e2e.test_engine_analysis import PLATFORM_ENV as ENGINE_ENV
from tests.e2e.test_engine_analysis import pipeline
from tests.e2e.test_engine_live import create, wait_for
from tests.e2e.test_engine_plates import CONFIG as PLATES
from tests.e2e.test_engine_plates import plates
from tests.faces_support import astronaut, jpeg_of
from tests.inference_support import picture
from tests.plates_support import make_plate_clip
from tests.rtsp_support import RtspServer, rtsp_server
from tests.unit.test_people_counting_clip import make_clip

PLATFORM_ENV = {**ENGINE_ENV, "VIGIL_OFFLINE_SCHEDULE_DELAY_SECONDS": "1"}


@pytest.fixture(scope="module", autouse=True)
def models_loaded(platform) -> None:
    """The edge answers before the inference service has loaded its models
    (some 10 s here); the catalog refuses analytics until then."""
    wait_for(lambda: platform.serving("inference") and platform.serving("engine"), seconds=120)


@pytest.fixture(scope="module")
def crossing_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("clips") / "walks.mp4"
    make_clip(path, "astronaut.png")
    return path


@pytest.fixture(scope="module")
def camera() -> Iterator[RtspServer]:
    """A live 640x360 test pattern (a moving ball) at /live."""
    with rtsp_server(free_port(), "--live", "/live", "--size", "640x360", "--fps", "25") as server:
        yield server


def value(browser: Browser, testid: str) -> float:
    return float(browser.find(testid).get_attribute("value") or 0)


def number(browser: Browser, testid: str) -> int:
    """The integer an element shows (-1 while it shows none)."""
    text = browser.find(testid).text.strip()
    return int(text) if text.isdigit() else -1


def stream_ids(http: httpx.Client) -> set[str]:
    return {s["stream_id"] for s in http.get("/streams/0").json()["streams"]}


def test_a_stream_added_from_the_rtsp_server_shows_a_live_image_that_changes(
    http: httpx.Client, browser: Browser, camera: RtspServer
) -> None:
    before = stream_ids(http)
    browser.login()
    browser.go("streams")
    browser.find("stream-add").click()
    browser.find("stream-form-address").send_keys(camera.url("/live"))
    browser.find("stream-form-name").send_keys("gate ball")
    browser.find("stream-form-submit").click()
    assert "gate ball" in browser.find("streams-message").text
    (stream_id,) = stream_ids(http) - before
    row = browser.find(f"stream-row-{stream_id}")
    row.find_element("css selector", '[data-testid="stream-link"]').click()
    browser.find("page-stream")
    image = browser.find("live-mjpeg")
    browser.wait(
        lambda _: browser.driver.execute_script("return arguments[0].naturalWidth", image) > 0, 60, "no live image"
    )
    # Two looks a second apart differ: the ball moves.
    first = image.screenshot_as_png
    browser.wait(lambda _: image.screenshot_as_png != first, 10, "the live image does not change")
    # The list shows the stream running with its real resolution.
    browser.go("streams")
    browser.wait(
        lambda _: (
            browser.find(f"stream-row-{stream_id}")
            .find_element("css selector", '[data-testid="stream-resolution"]')
            .text.startswith("640")
        ),
        30,
        "no resolution",
    )
    assert http.delete(f"/streams/0/{stream_id}").status_code == 200
    browser.assert_no_console_errors()


def click_at(browser: Browser, element, x: float, y: float) -> None:
    """Click `element` at (x, y), normalised to its box from its top left."""
    browser.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    width, height = element.size["width"], element.size["height"]
    ActionChains(browser.driver).move_to_element_with_offset(
        element, round((x - 0.5) * width), round((y - 0.5) * height)
    ).click().perform()


def test_a_line_drawn_on_the_frame_counts_the_crossing_clip(
    platform, http: httpx.Client, browser: Browser, crossing_clip: Path
) -> None:
    clip = platform.data_dir / "walks.mp4"  # the data folder is the engine's file root
    clip.write_bytes(crossing_clip.read_bytes())
    stream_id = create(http, f"file://{clip}")
    browser.login()
    browser.open(f"analytics/0/{stream_id}/NFV4-MPA")
    include = browser.find("sub-counting-include")
    if not include.is_selected():
        include.click()
    browser.find("draw-sub_analytics-counting-areas").click()
    canvas = browser.find("frame-canvas")
    browser.wait(
        lambda _: browser.driver.execute_script("return arguments[0].naturalWidth", browser.find("frame-image")) > 0,
        60,
        "no current frame to draw on",
    )
    # Drawn upwards on the middle: the walk from left to right crosses it `in`.
    click_at(browser, canvas, 0.5, 0.98)
    click_at(browser, canvas, 0.5, 0.02)
    browser.find("drawing-finish").click()
    browser.find("assignment-save").click()
    assert "NFV4-MPA assigned" in browser.find("assignment-message").text
    config = http.get(pipeline(stream_id, "NFV4-MPA")).json()["config"]
    (counting,) = [s for s in config["sub_analytics"] if s["name"] == "counting"]
    (line,) = counting["areas"]
    assert [round(p["x"], 2) for p in line["points"]] == [0.5, 0.5]
    assert line["points"][0]["y"] > 0.9 > 0.1 > line["points"][1]["y"]

    # The events page follows the stream live: line_in rows and the count rise.
    browser.open(f"events?stream_id={stream_id}")
    browser.wait(lambda _: number(browser, "count-in") >= 1, 120, "no crossing counted")
    first = number(browser, "count-in")
    rows = browser.wait(lambda _: [r for r in browser.all("event-row") if r.get_attribute("data-type") == "line_in"])
    assert "NFV4-MPA" in rows[0].text and stream_id in rows[0].text
    # The clip loops (in, out, in each play): the counts go on rising live.
    browser.wait(lambda _: number(browser, "count-in") > first, 120, "the count does not rise")
    assert number(browser, "count-out") >= 1
    assert browser.find("events-live-state").text == "live"
    assert http.delete(f"/streams/0/{stream_id}").status_code == 200
    browser.assert_no_console_errors()


def test_an_upload_resumes_after_a_reload_and_its_job_finishes(browser: Browser, crossing_clip: Path) -> None:
    size = crossing_clip.stat().st_size  # some 43 KB: three 16 KiB chunks
    browser.login()
    browser.go("uploads")
    # About 1.5 s a chunk, so the reload comes between two of them.
    browser.driver.set_network_conditions(
        offline=False, latency=20, download_throughput=1 << 20, upload_throughput=11 * 1024
    )
    browser.find("upload-file").send_keys(str(crossing_clip))
    Select(browser.find("upload-analytic")).select_by_value("NFV4-MPA")
    browser.find("upload-start").click()
    browser.wait(lambda _: value(browser, "upload-progress") > 0, 30, "no chunk was acknowledged")
    assert value(browser, "upload-progress") < 100
    browser.driver.refresh()

    offer = browser.find("upload-resume").text
    assert "walks.mp4" in offer and "resume" in offer, offer
    assert 0 < value(browser, "upload-progress") < 100
    browser.driver.delete_network_conditions()
    browser.find("upload-file").send_keys(str(crossing_clip))
    start = browser.find("upload-start")
    assert start.text == "Resume upload"
    start.click()
    browser.wait(lambda _: value(browser, "upload-progress") == 100, 60, "the upload did not finish")
    message = browser.wait(
        lambda _: "NFV4-MPA" in (text := browser.find("upload-message").text) and text, 30, "no analytic assigned"
    )
    assert message.startswith(f"Uploaded {crossing_clip.name}; NFV4-MPA is assigned"), message
    assert browser.find("upload-percent").text == "100 %"
    # The job the page asked for runs over the whole video and ends done.
    browser.wait(lambda _: browser.find("job-state").text == "done", 120, "the analysis job did not finish")
    assert value(browser, "job-progress") == 100 and browser.find("job-percent").text == "100 %"
    browser.wait(
        lambda _: any("walks.mp4" in row.text and "done" in row.text for row in browser.all("video-row")),
        10,
        "the video list does not show the job done",
    )
    assert not browser.driver.execute_script("return localStorage.getItem('vigil.console.upload')")
    assert size > 2 * 16 * 1024
    browser.assert_no_console_errors()


def test_a_plate_is_found_by_its_text_and_shown_in_the_feed(platform, http: httpx.Client, browser: Browser) -> None:
    clip = make_plate_clip(platform.data_dir / "plate.mp4", "B1234XYZ")  # the data folder is the file root
    stream_id = create(http, f"file://{clip}")
    assigned = http.post(pipeline(stream_id, "NFV4-LPR3"), json=PLATES)
    assert assigned.status_code == 200, assigned.text
    wait_for(lambda: plates(http, stream_id), seconds=120)
    assert http.delete(pipeline(stream_id, "NFV4-LPR3")).status_code == 200

    browser.login()
    browser.go("search")
    browser.find("search-text").send_keys("B 1284 XYZ")  # one misread digit
    browser.find("search-submit").click()
    first = browser.wait(lambda _: browser.all("search-result"), 30, "no results")[0]
    assert first.find_element("css selector", '[data-testid="search-result-text"]').text == "B1234XYZ"
    assert stream_id in first.text and "NFV4-LPR3" in first.text
    similarity = first.find_element("css selector", '[data-testid="search-similarity"]').text
    assert 70 <= int(similarity.rstrip(" %")) < 80, similarity
    assert re.search(r"\d{1,2}:\d{2}:\d{2}", first.text), first.text  # its time
    picture = first.find_element("css selector", '[data-testid="search-thumbnail"]')
    assert browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", picture) > 0

    # The events feed lists the read with its thumbnail, filtered by type.
    browser.go("events")
    Select(browser.find("events-filter-type")).select_by_value("plate_read")
    browser.find("events-apply").click()
    row = browser.wait(
        lambda _: [r for r in browser.all("event-row") if "B1234XYZ" in r.text], 30, "the plate is not in the feed"
    )[0]
    assert row.get_attribute("data-type") == "plate_read" and stream_id in row.text
    thumbnail = browser.wait(
        lambda _: row.find_elements("css selector", '[data-testid="event-thumbnail"]'), 30, "no thumbnail"
    )[0]
    browser.wait(lambda _: browser.driver.execute_script("return arguments[0].naturalWidth", thumbnail) > 0, 30)
    assert http.delete(f"/streams/0/{stream_id}").status_code == 200
    browser.assert_no_console_errors()


def test_a_photo_enrols_on_a_watch_list_and_finds_her_face_by_photo(
    http: httpx.Client, browser: Browser, tmp_path: Path
) -> None:
    face = tmp_path / "astronaut.jpg"
    face.write_bytes(jpeg_of(astronaut()))
    cat = tmp_path / "chelsea.jpg"
    cat.write_bytes(jpeg_of(picture("chelsea.png")))
    browser.login()
    browser.go("watchlists")
    browser.find("watchlist-name").send_keys("VIP browser")
    browser.find("watchlist-create").click()
    browser.find("people")
    browser.find("person-name").send_keys("Eileen Collins")
    browser.find("person-add").click()
    person = browser.wait(lambda _: [p for p in browser.all("person-row") if "Eileen Collins" in p.text], 30)[0]
    person.find_element("css selector", '[data-testid="person-photo"]').send_keys(str(cat))
    assert "no face found" in browser.find("people-error").text
    person = browser.find("person-row")
    person.find_element("css selector", '[data-testid="person-photo"]').send_keys(str(face))
    assert "Photo enrolled for Eileen Collins" in browser.find("people-notice").text
    photo = browser.wait(lambda _: browser.all("photo-row"), 30)[0]
    assert "face score 0." in photo.text, photo.text
    rows = [r.text for r in browser.all("watchlist-row")]
    assert any("VIP browser" in r and "1" in r for r in rows), rows
    browser.assert_no_console_errors(allow=("status of 400",))  # the cat's refusal

    # Her picture pushed into smart search, then found by the same photo.
    stream_id = create(http, "rtsp://127.0.0.1:9/nobody")
    assigned = http.post(pipeline(stream_id, "NFV4-SS"), json={"sample_fps": 0.1})
    assert assigned.status_code == 200, assigned.text
    image = base64.b64encode(face.read_bytes()).decode()
    extracted = http.post(f"/extract/0/{stream_id}/NFV4-SS", json={"image": image})
    assert extracted.status_code == 200, extracted.text
    browser.go("search")
    browser.find("search-kind-image").click()
    browser.find("search-photo").send_keys(str(face))
    browser.find("search-submit").click()
    first = browser.wait(lambda _: browser.all("search-result"), 30, "no results")[0]
    similarity = first.find_element("css selector", '[data-testid="search-similarity"]').text
    assert int(similarity.rstrip(" %")) >= 95 and stream_id in first.text and "NFV4-SS" in first.text, first.text
    picture_shown = first.find_element("css selector", '[data-testid="search-thumbnail"]')
    assert browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", picture_shown)
    assert http.delete(f"/streams/0/{stream_id}").status_code == 200
    browser.assert_no_console_errors()
