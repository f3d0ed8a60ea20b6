"""The analytics catalog and pipeline assignment (issue 12) through the real
Envoy, on SQLite and PostgreSQL: the Visionaire4 registry routes, the Lenz
catalog, config, form and validation, assignment to Visionaire4, LUNA and
uploaded-video streams with the documents' examples, seats, the work a
worker takes (services/catalog/work.py, used here as the stream engine
will), and bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from services.catalog import work
from services.db.engine import make_engine
from services.db.models import Node, utcnow
from tests.e2e.luna_examples import CREATE_V1
from tests.e2e.uploads_client import upload_file
from tests.media import make_h264

PLATFORM_ENV = {
    "VIGIL_ANALYTIC_DEFAULT_SEATS": "16",
    "VIGIL_ANALYTIC_SEATS": "NFV4-LPR3=1",
    # The tests take the offline work themselves.
    "VIGIL_OFFLINE_WORKERS": "0",
}
ALL = {"NFV4-FR", "NFV4-LPR3", "NFV4-MPA", "NFV4-MVA", "NFV4-SS"}
LENZ_ALL = {"NFDSS-FR", "NFDSS-LPR", "NFV4-MPA", "NFV4-MVA", "NFV4-SS"}

#: The document's assign (POST) and update (PUT) bodies.
ASSIGN = {
    "sub_analytics": [
        {
            "name": "counting",
            "is_active": True,
            "areas": [
                {"name": "Pintu Masuk", "points": [{"x": 0.2, "y": 0.5}, {"x": 0.8, "y": 0.5}], "direction": "both"}
            ],
            "object_confidence_threshold": 0.5,
        }
    ]
}
UPDATE = {
    "sub_analytics": [
        {
            "name": "counting",
            "is_active": True,
            "areas": [
                {
                    "name": "Pintu Masuk — Revisi",
                    "points": [{"x": 0.1, "y": 0.5}, {"x": 0.9, "y": 0.5}],
                    "direction": "in",
                }
            ],
            "object_confidence_threshold": 0.6,
        }
    ]
}


@pytest.fixture(scope="module")
def engine(platform: Any) -> Iterator[Engine]:
    """The platform's database, as a worker of the stream engine reaches it."""
    engine = make_engine(platform.env["VIGIL_DATABASE_URL"])
    yield engine
    engine.dispose()


def lenz_error(reply: httpx.Response, status: int) -> str:
    assert reply.status_code == status, reply.text
    body = reply.json()
    assert body.keys() == {"success", "message"} and body["success"] is False, body
    return str(body["message"])


def ok(reply: httpx.Response) -> dict[str, Any]:
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def new_stream_on(http: httpx.Client, node: int, name: str) -> str:
    body = {"stream_address": f"rtsp://10.7.2.50:554/{name}", "stream_name": name}
    return str(ok(http.post(f"/streams/{node}", json=body))["stream_id"])


def new_stream(http: httpx.Client, name: str) -> str:
    return new_stream_on(http, 0, name)


def pipeline(stream_id: str, analytic: str = "NFV4-MPA", node: str = "node-000") -> str:
    return f"/api/visionaire/pipeline/{node}/{stream_id}/{analytic}"


def test_visionaire_registry(visionaire_http: httpx.Client) -> None:
    listing = ok(visionaire_http.get("/analytic_list"))
    assert (listing["code"], listing["message"], listing["analytic_num"]) == (200, "success", 5)
    assert listing["deployment_key"] and set(listing["version"]) == {"major", "minor", "patch"}
    by_id = {a["id"]: a for a in listing["analytics"]}
    assert set(by_id) == ALL
    fr = by_id["NFV4-FR"]
    assert (fr["name"], fr["type"], fr["major_version"]) == ("Face Recognition", "recognition", 1)
    assert fr["models"] == ["yunet", "sface"] and by_id["NFV4-MPA"]["models"] == ["yolox_nano_u8"]
    assert len(fr["seats"]) == 16 and fr["seats"][0] == {"serial_number": "NFV4-FR-N0-0001", "active_status": False}
    assert len(by_id["NFV4-LPR3"]["seats"]) == 1

    v1 = ok(visionaire_http.get("/config/pipeline/NFV4-FR"))
    Draft202012Validator.check_schema(v1)
    assert v1["$schema"] == "https://json-schema.org/draft/2020-12/schema" and v1["type"] == "object"
    assert v1["properties"]["object_confidence_threshold"]["default"] == 0.5
    assert v1["properties"]["areas"]["type"] == "array" and "sub_analytics" not in v1["properties"]
    v2 = ok(visionaire_http.get("/v2/config/pipeline/NFV4-MPA"))
    Draft202012Validator.check_schema(v2)
    assert v2["properties"]["sub_analytics"]["items"]["properties"]["name"]["enum"] == ["counting", "area"]
    Draft202012Validator(v2).validate(ASSIGN)

    rules = ok(visionaire_http.get("/rules/pipeline/NFV4-MPA"))
    kinds = {r["properties"]["type"]["const"] for r in rules["properties"]["rules"]["items"]["oneOf"]}
    assert kinds == {"area_occupancy_over", "dwell_over", "line_count_over"}
    assert ok(visionaire_http.get("/rules/pipeline/NFV4-SS")) == {}
    presets = ok(visionaire_http.get("/config/preset/NFV4-MPA"))
    assert {"entrance_counter", "occupancy_monitor", "loitering"} <= set(presets)
    for preset in presets.values():
        Draft202012Validator(v2).validate(preset)

    for path in ("/config/pipeline/NFV4-XX", "/v2/config/pipeline/x", "/rules/pipeline/..%2F..%2Fetc%2Fpasswd"):
        reply = visionaire_http.get(path)
        assert reply.status_code == 404 and reply.json() == {"code": 404, "message": "analytic not found"}, path


def test_lenz_catalog_and_config(http: httpx.Client) -> None:
    listing = ok(http.get("/api/visionaire/analytic_list"))
    assert (listing["code"], listing["message"]) == (200, "success")
    by_id = {a["id"]: a for a in listing["analytics"]}
    assert set(by_id) == LENZ_ALL and listing["analytic_num"] == 5
    lpr = by_id["NFDSS-LPR"]
    assert (lpr["type"], lpr["all_seats"]) == ("lpr", 1) and lpr["free_seats"] <= 1
    assert lpr["models"] == ["yolox_nano_u8", "ppocr_det", "ppocr_rec"]
    assert set(lpr) >= {"free_seats", "all_seats", "seats", "major_version", "minor_version", "publisher"}
    for query in ("?federation=true", "?instance_id=node-000", "?instance_id=0"):
        assert {a["id"] for a in ok(http.get("/api/visionaire/analytic_list" + query))["analytics"]} == LENZ_ALL
    assert lenz_error(http.get("/api/visionaire/analytic_list?instance_id=node-7"), 404) == "instance not found"

    config = ok(http.get("/api/visionaire/analytics/NFDSS-FR/config"))
    assert (config["analytic_id"], config["message"], config["ok"], config["sub_analytics"]) == (
        "NFDSS-FR",
        "success",
        True,
        [],
    )
    threshold = {c["name"]: c for c in config["configs"]}["object_confidence_threshold"]
    assert threshold == {
        "name": "object_confidence_threshold",
        "type": "number",
        "label": "Confidence Threshold",
        "description": "Lowest face detection score (0.0 to 1.0).",
        "value": 0.5,
        "required": False,
        "min": 0,
        "max": 1,
        "step": 0.01,
    }
    form = ok(http.get("/api/visionaire/analytics/NFV4-MPA/config/form"))
    subs = {s["name"]: s for s in form["sub_analytics"]}
    assert subs.keys() == {"counting", "area"} and subs["counting"]["display_name"] == "Counting"
    assert {c["name"] for c in subs["area"]["configs"]} == {"is_active", "areas", "object_confidence_threshold"}
    assert lenz_error(http.get("/api/visionaire/analytics/NOPE/config/form"), 404) == "analytic not found"


def test_validate(http: httpx.Client) -> None:
    url = "/api/visionaire/analytics/config/validate"
    good = {"analytic_id": "NFDSS-FR", "config": '{"object_confidence_threshold": 0.7, "areas": []}', "logic": None}
    assert ok(http.post(url, json=good)) == {
        "valid": True,
        "errors": [],
        "parsed_config": {"object_confidence_threshold": 0.7, "areas": []},
        "message": "configuration is valid",
        "ok": True,
    }
    bad = dict(good, config='{"object_confidence_threshold": 7, "areas": []}')
    assert ok(http.post(url, json=bad)) == {
        "valid": False,
        "errors": ["object_confidence_threshold must be between 0 and 1"],
        "parsed_config": None,
        "message": "configuration validation failed",
        "ok": False,
    }
    broken = ok(http.post(url, json=dict(good, config='{"object_confidence_threshold": ')))
    assert broken["valid"] is False and broken["errors"][0].startswith("config is not valid JSON")
    lines = ok(
        http.post(
            url,
            json={
                "analytic_id": "NFV4-MPA",
                "config": json.dumps(
                    {"sub_analytics": [{"name": "counting", "areas": [{"name": "L", "points": [{"x": 2, "y": 0}]}]}]}
                ),
                "logic": json.dumps({"rules": [{"type": "dwell_over", "area": "L", "seconds": -1}]}),
            },
        )
    )
    assert lines["errors"] == [
        "sub_analytics[0].areas[0].points needs at least 2 points",
        "sub_analytics[0].areas[0].points[0].x must be between 0 and 1",
        "logic: rules[0].seconds must be greater than 0",
    ]
    assert lenz_error(http.post(url, json={"analytic_id": "", "config": "{}"}), 400) == "analytic_id is required"
    assert lenz_error(http.post(url, json={"analytic_id": "NFV4-XX", "config": "{}"}), 404) == "analytic not found"


def test_assign_read_update_remove_with_the_documents_examples(
    http: httpx.Client, visionaire_http: httpx.Client
) -> None:
    stream_id = new_stream(visionaire_http, "lobby")
    assert ok(http.post(pipeline(stream_id), json=ASSIGN)) == {
        "analytic_id": "NFV4-MPA",
        "code": 200,
        "message": "success",
        "node_num": 0,
        "stream_id": stream_id,
        "ok": True,
    }
    got = ok(http.get(pipeline(stream_id, node="0")))
    assert (got["analytic_id"], got["code"], got["message"], got["node_num"]) == ("NFV4-MPA", 200, "success", 0)
    config = got["config"]
    assert (config["args"], config["env"], config["object_confidence_threshold"]) == ({}, {}, 0.5)
    assert config["sub_analytics"] == ASSIGN["sub_analytics"]

    detail = ok(visionaire_http.get(f"/streams/0/{stream_id}"))
    assert detail["pipelines"] == ["NFV4-MPA"]
    (seat,) = detail["seats"]
    assert seat["analytic_id"] == "NFV4-MPA" and seat["serial_number"].startswith("NFV4-MPA-N0-")

    active = ok(http.get("/api/visionaire_active_analytic_list"))
    assert (active["ok"], active["message"]) == (True, "successfully get active analytic list")
    assert "NFV4-MPA" in {a["id"] for a in active["data"]["analytics"]}
    mpa = {a["id"]: a for a in ok(http.get("/api/visionaire/analytic_list"))["analytics"]}["NFV4-MPA"]
    assert {"serial_number": seat["serial_number"], "active_status": True} in mpa["seats"]

    assert ok(http.put(pipeline(stream_id, node="node-0"), json=UPDATE))["ok"] is True
    config = ok(http.get(pipeline(stream_id)))["config"]
    (counting,) = config["sub_analytics"]
    assert counting["object_confidence_threshold"] == 0.6
    assert counting["areas"][0]["name"] == "Pintu Masuk — Revisi" and counting["areas"][0]["direction"] == "in"

    assert ok(http.delete(pipeline(stream_id)))["ok"] is True
    assert "not assigned" in lenz_error(http.get(pipeline(stream_id)), 404)
    assert ok(visionaire_http.get(f"/streams/0/{stream_id}"))["pipelines"] == []
    assert "not assigned" in lenz_error(http.delete(pipeline(stream_id)), 404)


def test_a_running_pipeline_sees_config_changes(http: httpx.Client, visionaire_http: httpx.Client, engine) -> None:
    stream_id = new_stream(visionaire_http, "gate")
    ok(http.post(pipeline(stream_id, "NFV4-MVA"), json=ASSIGN))
    (item,) = [i for i in work.of_stream(engine, stream_id)]
    assert (item.kind, item.state, item.config_version) == ("live", "pending", 1)
    taken = work.claim(engine, "engine-test", lease_seconds=60, limit=100)
    (mine,) = [t for t in taken if t.stream_id == stream_id]
    for other in taken:
        if other.id != mine.id:
            work.release(engine, other.id, "engine-test")
    assert mine.config["sub_analytics"][0]["areas"][0]["direction"] == "both"

    ok(http.put(pipeline(stream_id, "NFV4-MVA"), json=UPDATE))
    version = work.heartbeat(engine, mine.id, "engine-test")
    assert version == 2
    config, seen = work.read_config(engine, mine.id) or ({}, 0)
    assert seen == 2 and config["sub_analytics"][0]["areas"][0]["direction"] == "in"

    ok(http.delete(pipeline(stream_id, "NFV4-MVA")))
    assert work.heartbeat(engine, mine.id, "engine-test") is None  # removed: the worker stops


def test_assign_to_a_luna_stream(http: httpx.Client, luna_http: httpx.Client) -> None:
    body = {k: v for k, v in CREATE_V1.items() if k != "group_name"}
    created = luna_http.post("/1/streams", json=body)
    assert created.status_code == 201, created.text
    stream_id = created.json()["stream_id"]
    assert ok(http.post(pipeline(stream_id, "NFDSS-FR"), json={"object_confidence_threshold": 0.7}))["ok"]
    got = ok(http.get(pipeline(stream_id, "NFV4-FR")))
    assert got["analytic_id"] == "NFV4-FR" and got["config"]["object_confidence_threshold"] == 0.7
    assert got["config"]["similarity_threshold"] == 0.6  # the schema's default
    assert ok(http.get(f"/streams/0/{stream_id}"))["pipelines"] == ["NFV4-FR"]
    # Deleting the stream (LUNA) removes its assignments and frees the seat.
    assert luna_http.delete(f"/1/streams/{stream_id}").status_code == 204
    assert lenz_error(http.get(pipeline(stream_id, "NFV4-FR")), 404) == "stream not found"


def test_assign_to_an_uploaded_video_refused_while_its_job_runs(http: httpx.Client, engine, tmp_path: Path) -> None:
    video = make_h264(tmp_path / "a.mp4", seconds=1).read_bytes()
    video_id = upload_file(http, video, filename="gudang.mp4")["video_id"]
    streams = ok(http.get("/streams/0"))["streams"]
    (stream,) = [s for s in streams if s["stream_custom_data"].get("video_id") == video_id]
    stream_id = stream["stream_id"]
    assert ok(http.post(pipeline(stream_id), json=ASSIGN))["ok"]
    (item,) = work.of_stream(engine, stream_id)
    assert (item.kind, item.state) == ("offline", "idle")

    assert work.schedule_stream(engine, stream_id) == 1  # the offline job is scheduled
    message = lenz_error(http.post(pipeline(stream_id, "NFV4-MVA"), json={}), 409)
    assert video_id in message and "NFV4-MPA (pending)" in message and "running or scheduled" in message
    (job,) = [t for t in work.claim(engine, "jobs-test", lease_seconds=60, kinds=("offline",), limit=100)]
    message = lenz_error(http.post(pipeline(stream_id, "NFV4-MVA"), json={}), 409)
    assert "NFV4-MPA (running)" in message
    # Updating the running job's pipeline is allowed (the job reads it).
    assert ok(http.put(pipeline(stream_id), json=UPDATE))["ok"]
    assert work.release(engine, job.id, "jobs-test", state="done", progress=1.0)
    assert ok(http.post(pipeline(stream_id, "NFV4-MVA"), json={}))["ok"]


def test_seats_run_out(http: httpx.Client, visionaire_http: httpx.Client) -> None:
    first, second = new_stream(visionaire_http, "plate-1"), new_stream(visionaire_http, "plate-2")
    assert ok(http.post(pipeline(first, "NFDSS-LPR"), json={}))["ok"]
    lpr = {a["id"]: a for a in ok(http.get("/api/visionaire/analytic_list"))["analytics"]}["NFDSS-LPR"]
    assert (lpr["free_seats"], lpr["all_seats"]) == (0, 1)
    assert lpr["seats"] == [{"serial_number": "NFV4-LPR3-N0-0001", "active_status": True}]
    message = lenz_error(http.post(pipeline(second, "NFV4-LPR3"), json={}), 409)
    assert message.startswith("no free seat of NFV4-LPR3 on node 0")
    ok(http.delete(pipeline(first, "NFV4-LPR3")))
    assert ok(http.post(pipeline(second, "NFV4-LPR3"), json={}))["ok"]
    assert ok(visionaire_http.get(f"/streams/0/{second}"))["seats"] == [
        {"analytic_id": "NFV4-LPR3", "serial_number": "NFV4-LPR3-N0-0001"}
    ]
    ok(http.delete(pipeline(second, "NFV4-LPR3")))


def test_bad_input(http: httpx.Client, visionaire_http: httpx.Client) -> None:
    stream_id = new_stream(visionaire_http, "bad")
    message = lenz_error(http.post(pipeline(stream_id), json={"object_confidence_threshold": 1.5, "x": 1}), 400)
    assert "object_confidence_threshold must be between 0 and 1" in message and "unknown setting x" in message
    ten_thousand = [{"x": i / 10000, "y": 0.5} for i in range(10000)]
    long_line = {"sub_analytics": [{"name": "counting", "areas": [{"name": "L", "points": ten_thousand}]}]}
    assert "points has more than 64 points" in lenz_error(http.post(pipeline(stream_id), json=long_line), 400)
    one_point = {"sub_analytics": [{"name": "counting", "areas": [{"name": "L", "points": ten_thousand[:1]}]}]}
    assert "needs at least 2 points" in lenz_error(http.post(pipeline(stream_id), json=one_point), 400)
    wrong = {
        "sub_analytics": [{"name": "counting", "areas": [{"name": "L", "points": ten_thousand[:2], "direction": "up"}]}]
    }
    assert "direction must be one of in, out, both" in lenz_error(http.put(pipeline(stream_id), json=wrong), 400)
    twice = {"sub_analytics": [{"name": "counting"}, {"name": "counting"}]}
    assert "more than once" in lenz_error(http.post(pipeline(stream_id), json=twice), 400)
    assert "sub-analytics" in lenz_error(http.post(pipeline(stream_id, "NFV4-FR"), json=ASSIGN), 400)
    reply = http.post(pipeline(stream_id), content=b'{"sub_analytics": [', headers={"Content-Type": "application/json"})
    assert reply.status_code == 400 and reply.json()["success"] is False
    assert lenz_error(http.post(pipeline(stream_id), json=[1, 2]), 400)

    assert lenz_error(http.get(pipeline(stream_id, node="node-7")), 404) == "node not found"
    assert lenz_error(http.get(pipeline(stream_id, node="node-x")), 404) == "node not found"
    assert lenz_error(http.get(pipeline("no-such-stream")), 404) == "stream not found"
    assert lenz_error(http.get(pipeline("x" * 300)), 404) == "stream not found"
    for analytic in ("NFV4-MPA%2F..%2F..", "..%2Fetc", "NFV4-XX"):
        assert lenz_error(http.post(pipeline(stream_id, analytic), json={}), 404) == "analytic not found", analytic

    assert ok(http.post(pipeline(stream_id), json={}))["ok"]
    assert "already assigned" in lenz_error(http.post(pipeline(stream_id), json={}), 409)
    assert "not assigned" in lenz_error(http.put(pipeline(stream_id, "NFV4-MVA"), json={}), 404)
    ok(http.delete(pipeline(stream_id)))


def test_an_analytic_whose_model_is_not_loaded_is_not_offered(platform, http: httpx.Client) -> None:
    inference = httpx.Client(base_url=f"http://127.0.0.1:{platform.env['VIGIL_INFERENCE_HTTP_PORT']}", timeout=60)
    with inference:
        assert inference.post("/v2/repository/models/sface/unload").status_code == 200
        try:
            listed = {a["id"] for a in ok(http.get("/api/visionaire/analytic_list"))["analytics"]}
            assert listed == LENZ_ALL - {"NFDSS-FR", "NFV4-SS"}  # both need SFace
            stream_id = new_stream(http, "models")
            message = lenz_error(http.post(pipeline(stream_id, "NFV4-SS"), json={}), 409)
            assert message == "NFV4-SS is not available: the inference service has not loaded sface"
        finally:
            assert inference.post("/v2/repository/models/sface/load").status_code == 200
    assert {a["id"] for a in ok(http.get("/api/visionaire/analytic_list"))["analytics"]} == LENZ_ALL


def test_seats_are_per_node_and_federation_merges_them(
    http: httpx.Client, visionaire_http: httpx.Client, engine
) -> None:
    """A second registered node brings its own seats: Lenz lists node 0 by
    default, one node by `instance_id`, every node with `federation=true`."""
    now = utcnow()
    with Session(engine) as session:
        session.add(Node(node_num=1, ip_address="10.0.0.2", run_mode="CPU", started_at=now, last_seen=now))
        session.commit()
    try:
        stream_id = new_stream_on(visionaire_http, 1, "node-1-gate")
        assert ok(http.post(pipeline(stream_id, "NFDSS-LPR", node="node-001"), json={}))["node_num"] == 1

        def lpr(query: str) -> dict[str, Any]:
            listing = ok(http.get("/api/visionaire/analytic_list" + query))["analytics"]
            return {a["id"]: a for a in listing}["NFDSS-LPR"]

        assert lpr("?instance_id=node-001")["seats"] == [{"serial_number": "NFV4-LPR3-N1-0001", "active_status": True}]
        assert (lpr("?instance_id=1")["free_seats"], lpr("")["free_seats"], lpr("")["all_seats"]) == (0, 1, 1)
        merged = lpr("?federation=true")
        assert (merged["free_seats"], merged["all_seats"]) == (1, 2)
        everywhere = {a["id"]: a for a in ok(visionaire_http.get("/analytic_list"))["analytics"]}["NFV4-LPR3"]
        assert [s["serial_number"] for s in everywhere["seats"]] == ["NFV4-LPR3-N0-0001", "NFV4-LPR3-N1-0001"]
        # The stream is on node 1: asking for it on node 0 finds no such stream there.
        assert lenz_error(http.get(pipeline(stream_id, "NFV4-LPR3", node="0")), 404) == "stream not found"
        assert lenz_error(http.get(pipeline(stream_id, "NFV4-LPR3", node="1") + "?instance_id=node-9"), 404) == (
            "instance not found"
        )
        ok(http.delete(pipeline(stream_id, "NFV4-LPR3", node="1")))
        assert ok(visionaire_http.delete(f"/streams/1/{stream_id}"))["code"] == 200
    finally:
        with Session(engine) as session:
            session.execute(delete(Node).where(col(Node.node_num) == 1))
            session.commit()
