"""The OpenAPI document the platform serves (`GET /docs/spec`) is a valid
OpenAPI 3 document (openapi-spec-validator), and real answers of the running
platform, through the real Envoy, on SQLite and PostgreSQL, match what it
says: for routes of every family, success and error, the status is one the
operation documents, the content type is the documented one and a JSON body
validates against the documented schema (jsonschema, with OpenAPI 3.0's
`nullable`)."""

from __future__ import annotations

import copy
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate as validate_spec

from tests.classify_support import make_clip
from tests.conftest import http_client
from tests.e2e.luna_examples import CREATE_GROUP, CREATE_V1
from tests.inference_support import model_repository

CREATE_STREAM = {
    "stream_address": "rtsp://10.7.2.50:554/VOD/command.mp4",
    "stream_name": "Command Center",
    "stream_latitude": -6.261376,
    "stream_longitude": 106.823648,
}


@pytest.fixture(scope="module")
def http(platform: Any) -> Iterator[httpx.Client]:
    """One persistent-connection client for the module, as users drive the edge."""
    with http_client(platform, timeout=120) as client:
        yield client


@pytest.fixture(scope="module")
def document(http: httpx.Client) -> dict[str, Any]:
    reply = http.get("/docs/spec", headers={"Accept": "*/*"})  # what curl sends
    assert reply.status_code == 200 and reply.headers["content-type"] == "application/x-yaml", reply.text
    spec: dict[str, Any] = yaml.safe_load(reply.text)
    return spec


class Contract:
    """Checks answers against the document."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.checked: set[tuple[str, str, int]] = set()
        templates = []
        for template in spec["paths"]:
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            templates.append((template.count("{"), template, re.compile(f"^{pattern}$")))
        self.templates = sorted(templates)  # literal segments win over parameters

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]]:
        path = path.rstrip("/") or "/"
        for _, template, pattern in self.templates:
            if pattern.match(path) and method.lower() in self.spec["paths"][template]:
                return template, self.spec["paths"][template][method.lower()]
        raise AssertionError(f"{method} {path} is not in the document")

    def resolve(self, item: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in item:
            node: Any = self.spec
            for part in item["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            item = node
        return item

    def check(self, reply: httpx.Response) -> httpx.Response:
        """The answer is one the document describes; returns it."""
        method, path = reply.request.method, reply.request.url.path
        template, op = self.operation(method, path)
        status = str(reply.status_code)
        if reply.status_code < 400:
            assert status in op["responses"], f"{method} {path}: {status} not documented ({list(op['responses'])})"
        response = self.resolve(op["responses"].get(status) or op["responses"]["default"])
        if reply.status_code == 204:
            assert "content" not in response and reply.content == b""
        else:
            kind = reply.headers.get("content-type", "").split(";")[0].strip()
            content = response["content"]
            assert kind in content or "*/*" in content, f"{method} {path}: {kind} not in {list(content)}"
            schema = content.get(kind, content.get("*/*"))["schema"]
            if schema.get("format") != "binary":
                root = {**schema, "components": self.spec["components"]}
                errors = list(OAS30Validator(root).iter_errors(reply.json()))
                assert not errors, f"{method} {path} {status}: {errors[0]}"
        for name, header in response.get("headers", {}).items():
            assert not header.get("required") or name.lower() in reply.headers
        self.checked.add((method, template, reply.status_code))
        return reply


@pytest.fixture(scope="module")
def contract(document: dict[str, Any]) -> Contract:
    return Contract(document)


def test_the_served_document_is_valid_openapi(http: httpx.Client, document: dict[str, Any]) -> None:
    validate_spec(document)
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    request = http.build_request("GET", "/docs/spec")
    del request.headers["Accept"]  # no Accept at all: YAML too
    reply = http.send(request)
    assert reply.status_code == 200 and yaml.safe_load(reply.text) == document


def test_visionaire_answers_match(http: httpx.Client, contract: Contract) -> None:
    check = contract.check
    check(http.get("/"))
    created = check(http.post("/streams/0", json=CREATE_STREAM)).json()
    check(http.get("/streams"))
    check(http.get(f"/streams/0/{created['stream_id']}"))
    check(http.get("/streams/7"))  # 404
    check(http.post("/streams/0", json={"stream_name": "no address"}))  # 400
    check(http.get("/node_status"))
    check(http.get("/resource_stats"))
    check(http.get("/config/platform"))
    check(http.get("/config/database"))
    check(http.get("/analytic_list"))
    check(http.get("/config/pipeline/NFV4-MPA"))
    check(http.get("/v2/config/pipeline/NFV4-MPA"))
    check(http.get("/rules/pipeline/NFV4-MPA"))
    check(http.get("/config/preset/NFV4-MPA"))
    check(http.get("/config/preset/NFV4-XX"))  # 404
    check(http.get("/mjpeg/0/abc"))  # 404 (the stream engine's live view of an unknown stream)
    check(http.post("/smart-search", json={}))  # 400 invalid query type
    check(http.post("/extract/0/abc/NFV4-SS", json={"image": ""}))  # 404 pipeline not found
    check(http.post("/config/checkin", json={"access_key": "AKID", "secret_key": "sk"}))  # 501 (no licence server)
    assert {s for _, _, s in contract.checked} >= {200, 400, 404, 501}


def test_luna_answers_match(http: httpx.Client, contract: Contract) -> None:
    check = contract.check
    group = check(http.post("/1/groups", json={**CREATE_GROUP, "group_name": f"g{uuid.uuid4().hex[:8]}"}))
    assert group.status_code == 201
    check(http.get("/1/groups"))
    check(http.get("/2/groups"))
    check(http.get(f"/1/groups/{group.json()['group_id']}"))
    check(http.post("/1/groups", json={**CREATE_GROUP, "group_name": "bad name"}))  # 400
    body = copy.deepcopy(CREATE_V1)
    body.pop("group_name")
    stream = check(http.post("/1/streams", json=body))
    assert stream.status_code == 201
    stream_id = stream.json()["stream_id"]
    check(http.get("/1/streams"))
    check(http.get("/2/streams"))
    check(http.get(f"/1/streams/{stream_id}"))
    check(http.get("/1/streams/count"))
    assert check(http.patch(f"/1/streams/{stream_id}", json={"description": "x"})).status_code == 204
    check(http.get(f"/2/streams/{stream_id}"))  # same connection after a 204
    check(http.get("/1/streams/logs"))
    assert check(http.delete(f"/1/streams/{stream_id}")).status_code == 204
    check(http.get(f"/1/streams/{stream_id}"))  # 404
    check(http.get("/1/streams", params={"page_size": "-1"}))  # 400
    check(http.get("/version"))
    check(http.get("/healthcheck"))
    check(http.get("/config"))
    check(http.get("/config", headers={"Accept": "text/plain"}))
    check(http.get("/plugins"))
    check(http.get("/docs/dev"))  # 302
    check(http.get("/docs/dev/index.html"))
    check(http.get("/docs/spec", headers={"Accept": "application/json"}))  # 415
    check(http.get("/metrics"))
    assert {s for _, _, s in contract.checked} >= {200, 201, 204, 302, 400, 404, 415}


def test_lenz_and_findface_answers_match(http: httpx.Client, contract: Contract) -> None:
    check = contract.check
    check(http.get("/api/visionaire-media/0/videos"))
    check(http.get("/api/visionaire-media/5/videos"))  # 404
    check(http.get(f"/api/visionaire-media/0/videos/upload/status/{uuid.uuid4()}"))  # 404
    check(http.get("/api/visionaire/analytic_list"))
    check(http.get("/api/visionaire_active_analytic_list"))
    check(http.get("/api/visionaire/analytics/NFDSS-FR/config"))
    check(http.get("/api/visionaire/analytics/NFV4-MPA/config/form"))
    check(http.post("/api/visionaire/analytics/config/validate", json={"analytic_id": "NFDSS-FR", "config": "{"}))
    stream = http.post("/streams/0", json={"stream_address": "rtsp://10.0.0.9/a"}).json()["stream_id"]
    assignment = f"/api/visionaire/pipeline/node-000/{stream}/NFV4-MPA"
    check(http.post(assignment, json={"sub_analytics": [{"name": "counting"}]}))
    check(http.get(assignment))
    check(http.put(assignment, json={"sample_fps": 2}))
    check(http.put(assignment, json={"sample_fps": 0}))  # 400
    check(http.post(assignment, json={}))  # 409
    check(http.delete(assignment))
    check(http.get(assignment))  # 404
    archive = check(http.post("/videos/", json={"camera_group": 1, "name": "Pitt&Jolie"}))
    assert archive.status_code == 201
    archive_id = archive.json()["id"]
    check(http.get("/videos/"))
    check(http.get(f"/videos/{archive_id}/"))
    check(http.get("/videos/count/"))
    check(http.patch(f"/videos/{archive_id}/", json={"name": "renamed"}))
    check(http.get("/videos/", params={"limit": "100000"}))  # 400
    check(http.get(f"/videos/{archive_id}/screenshot/"))  # 409: no source file
    assert check(http.delete(f"/videos/{archive_id}/")).status_code == 204
    check(http.get(f"/videos/{archive_id}/"))  # 404


def test_gaard_answers_match(http: httpx.Client, contract: Contract, tmp_path_factory: pytest.TempPathFactory) -> None:
    model_repository()
    clip = make_clip(tmp_path_factory.mktemp("openapi") / "wall.mp4", ["wall"]).read_bytes()
    check = contract.check
    files = {"video": ("clip.mp4", clip, "video/mp4")}
    accepted = check(http.post("/api/classify", data={"tenant": "t"}, files=files)).json()
    check(http.post("/api/classify", params={"sync": "true"}, data={"tenant": "t"}, files=files))
    check(http.get(f"/api/result/{accepted['id']}"))
    check(http.get("/api/result/664371916d24ab9cf81140ec"))  # 404
    check(http.post("/api/classify", data={"tenant": "t"}, files={"video": ("a.mp4", b"not a video", "video/mp4")}))
    check(http.post("/api/classify", files=files))  # 400: no tenant
