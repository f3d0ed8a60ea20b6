"""FindFace `GET /videos/` and `/videos/count/` bound their numbers through
the real Envoy, on SQLite and PostgreSQL: `limit` past its maximum and date
filters out of range are a 400 in FindFace's shape (`BAD_PARAM`), never a
silent cap or a 500; the largest accepted values still answer."""

from __future__ import annotations

import httpx
import pytest

from services.uploads.findface import MAX_LAST_N_DAYS, MAX_LIMIT, MAX_NTH_WEEK


@pytest.fixture(scope="module")
def archive(http: httpx.Client) -> int:
    reply = http.post("/videos/", json={"camera_group": 1, "name": "bounds"})
    assert reply.status_code == 201, reply.text
    return int(reply.json()["id"])


def bad_param(reply: httpx.Response) -> str:
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert set(body) == {"code", "desc"} and body["code"] == "BAD_PARAM", body
    return str(body["desc"])


def test_limit_past_the_maximum_is_a_400(http: httpx.Client, archive: int) -> None:
    for raw in ("100000", str(MAX_LIMIT + 1), "0", "-1", "²", "9" * 5000, "1.5"):
        desc = bad_param(http.get("/videos/", params={"limit": raw}))
        assert f"limit must be an integer from 1 to {MAX_LIMIT}" in desc and len(desc) < 200
    listing = http.get("/videos/", params={"limit": str(MAX_LIMIT)})
    assert listing.status_code == 200, listing.text
    assert archive in [row["id"] for row in listing.json()["results"]]


@pytest.mark.parametrize("path", ["/videos/", "/videos/count/"])
def test_dates_out_of_range_are_a_400(http: httpx.Client, archive: int, path: str) -> None:
    cases = {
        "created_date_last_n_days": (MAX_LAST_N_DAYS, ("740000", str(MAX_LAST_N_DAYS + 1), "-1", "2147483647")),
        "created_date_nth_work_week": (MAX_NTH_WEEK, ("106000", str(MAX_NTH_WEEK + 1), "0", "2147483647")),
        "created_date_nth_full_week": (MAX_NTH_WEEK, ("106000", str(MAX_NTH_WEEK + 1), "-5", "2147483647")),
    }
    for name, (largest, bad) in cases.items():
        for raw in bad:
            assert name in bad_param(http.get(path, params={name: raw}))
        ok = http.get(path, params={name: str(largest)})
        assert ok.status_code == 200, ok.text
    counted = http.get("/videos/count/", params={"created_date_last_n_days": str(MAX_LAST_N_DAYS)})
    assert counted.json()["count"] >= 1
    # Past int32 the transcoder itself refuses the number, in FindFace's shape too.
    bad_param(http.get(path, params={"created_date_last_n_days": "99999999999"}))
