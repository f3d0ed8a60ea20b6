"""The REST edge itself: every family's documented error body, LUNA's
request id, trailing slashes, comma lists, odd query names, JSON bodies on
DELETE, and a bad-input suite that never gets a 500."""

from __future__ import annotations

import re
import shutil
import subprocess

import grpc
import httpx
import pytest
import yaml
from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from services.common.settings import SERVICE_NAMES

LUNA_ID = re.compile(r"^\d{10},[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID = "ae09126e-70a6-49c7-923f-df2320f08639"


def _json(reply: httpx.Response) -> dict:
    assert reply.headers["content-type"].startswith("application/json"), reply.text
    return reply.json()


# Routes not built answer an honest 501 in their family's shape (today only
# the licence check-in: no licence server).
@pytest.mark.parametrize(
    ("method", "path", "body", "shape"),
    [
        ("POST", "/config/checkin", {"access_key": "AKID", "secret_key": "sk"}, {"code", "message"}),
    ],
)
def test_unbuilt_routes_are_501_in_the_family_shape(platform, http, method, path, body, shape) -> None:
    reply = http.request(method, path, json=body)
    assert reply.status_code == 501
    body = _json(reply)
    assert set(body) == shape
    if "success" in body:
        assert body["success"] is False
    if "error_code" in body and "desc" in body:
        assert body["desc"] == "Not implemented"


def test_luna_request_id_on_every_luna_answer(platform, http, luna_http) -> None:
    for path in ("/1/streams", "/version", "/1/nothing-here", "/healthcheck"):
        reply = luna_http.get(path)
        assert LUNA_ID.match(reply.headers["Luna-Request-Id"]), path
    mine = "1536751345,8b8b5937-2e9c-4e8b-a7a7-5caf86621b5a"
    assert http.get("/1/streams", headers={"Luna-Request-Id": mine}).headers["Luna-Request-Id"] == mine
    # A malformed id is replaced by a well-formed one.
    assert LUNA_ID.match(http.get("/version", headers={"Luna-Request-Id": "x"}).headers["Luna-Request-Id"])
    assert "Luna-Request-Id" not in http.get("/streams").headers


def test_luna_queries_as_documented(platform, http) -> None:
    # Comma lists and `__` names reach the service (its answer, not a 400
    # from the edge).
    query = (
        f"?stream_ids={UUID},68b363eb-600a-4e72-afb3-8c4196e385ce&create_time__gte=2021-09-21T11:11:41.674Z"
        "&create_time__lt=2021-09-21T19:11:41.674Z&statuses=pending,pause&page=1&page_size=100"
    )
    reply = http.get("/1/streams" + query)
    assert (reply.status_code, _json(reply)) == (200, {"streams": []})
    bad = http.get("/1/streams?account_idd=1")
    assert (bad.status_code, _json(bad)) == (
        400,
        {"error_code": 12012, "desc": "Bad/incomplete input data", "detail": "Bad query parameters 'account_idd'"},
    )
    bad = http.get("/1/streams?page_size=ten")
    assert bad.status_code == 400 and _json(bad)["error_code"] == 12012


def test_json_body_on_delete_is_transcoded(platform, http) -> None:
    ok = http.request("DELETE", "/1/streams", json={"stream_ids": [UUID]})
    assert (ok.status_code, ok.content) == (204, b"")  # parsed and handed to the method
    bad = http.request("DELETE", "/1/streams", json={"stream_idz": [UUID]})
    assert (bad.status_code, _json(bad)) == (
        400,
        {"error_code": 12022, "desc": "Bad/incomplete input data", "detail": "unknown field 'stream_idz'"},
    )


BAD_INPUT = [
    # (family check, method, path, body or raw text, status)
    ("visionaire", "POST", "/streams/0", '{"stream_address": "rtsp://a/b",', 400),
    ("visionaire", "POST", "/streams/0", '{"stream_address": 7}', 400),
    ("visionaire", "POST", "/streams/0", '{"stream_address": "rtsp://a/b", "bogus": 1}', 400),
    ("visionaire", "POST", "/streams/0", '{"stream_address": "rtsp://a/b", "stream_name": "' + "n" * 500 + '"}', 400),
    ("visionaire", "POST", "/streams/0", '{"stream_address": "rtsp://a/b", "stream_latitude": 123}', 400),
    ("visionaire", "POST", "/streams/zero", "{}", 400),
    ("visionaire", "POST", "/streams/0", "[]", 400),
    ("visionaire", "GET", "/streams/99999999999999999999", None, 400),
    ("visionaire", "GET", "/no/such/route", None, 404),
    ("visionaire", "PATCH", "/streams/0", "{}", 404),
    ("visionaire", "POST", "/config/platform", '{"max_streams_per_node": "many"}', 400),
    ("luna", "POST", "/1/streams", '{"name": ', 400),
    ("luna", "POST", "/1/streams", '{"name": 5}', 400),
    ("luna", "POST", "/1/streams", '{"nmae": "x"}', 400),
    ("luna", "GET", "/1/no-such-route", None, 404),
    ("luna", "GET", "/1/streams?page_size=x", None, 400),
    ("lenz", "GET", "/api/visionaire-media/zero/videos", None, 400),
    ("lenz", "GET", "/api/visionaire-media/0/videos?limit=many", None, 400),
    ("lenz", "GET", "/api/visionaire-media/0/videos?unknown=1", None, 400),
    ("findface", "GET", "/videos/abc/", None, 400),
    ("findface", "POST", "/videos/", '{"name": ', 400),
    ("lenz", "GET", "/api/visionaire-media/0/videos/no-such-video", None, 404),
    ("lenz", "GET", "/api/visionaire-media/9/videos", None, 404),
    ("findface", "GET", "/videos/987654/", None, 404),
    ("findface", "POST", "/videos/987654/process/", None, 404),
    ("gaard", "GET", "/api/result/x?tenant=t&what=1", None, 400),
    ("gaard", "GET", "/api/result/664371916d24ab9cf81140ec?tenant=t", None, 404),
    ("gaard", "GET", "/api/result/664371916d24ab9cf81140ec", None, 404),
    ("gaard", "POST", "/api/classify", '{"tenant": "t"}', 400),
    ("gaard", "POST", "/api/classify?sync=true", "", 400),
]
SHAPES = {
    "visionaire": {"code", "message"},
    "luna": {"error_code", "desc", "detail"},
    "lenz": {"success", "message"},
    "findface": {"code", "desc"},
    "gaard": {"error_code", "error_msg"},
}


@pytest.mark.parametrize(("family", "method", "path", "body", "status"), BAD_INPUT)
def test_bad_input_gets_the_family_error(platform, http, family, method, path, body, status) -> None:
    reply = http.request(method, path, content=body, headers={"Content-Type": "application/json"})
    assert reply.status_code == status, reply.text
    payload = _json(reply)
    assert set(payload) == SHAPES[family]
    if family == "visionaire":
        assert payload["code"] == status
    if family == "luna":
        assert payload["error_code"] in (12012, 12022, 39001)
    if family == "gaard":  # Gaard's own codes (services/classification/errors.py)
        assert payload["error_code"] in (1000, 1001, 3001)


def test_admin_listens_on_loopback_only(platform) -> None:
    config = yaml.safe_load((platform.data_dir / "run" / "envoy.yaml").read_text())
    assert config["admin"]["address"]["socket_address"]["address"] == "127.0.0.1"


def _reflection_v1(channel: grpc.Channel, *requests: reflection_pb2.ServerReflectionRequest) -> list:
    """Ask `grpc.reflection.v1.ServerReflection` (what grpcurl 1.9+, Postman
    and grpcui ask first). grpcio-reflection ships only v1alpha's messages;
    v1's are the same on the wire, so they serve as its client stub."""
    call = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )
    return list(call(iter(requests), timeout=10))


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_server_has_reflection_v1_and_v1alpha(platform, service) -> None:
    with grpc.insecure_channel(platform.grpc_target(service)) as channel:
        names = set(ProtoReflectionDescriptorDatabase(channel).get_services())
        listed, described = _reflection_v1(
            channel,
            reflection_pb2.ServerReflectionRequest(list_services=""),
            reflection_pb2.ServerReflectionRequest(file_containing_symbol="grpc.reflection.v1.ServerReflection"),
        )
    assert "grpc.health.v1.Health" in names
    assert {"grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"} <= names
    assert any(name.startswith(("vigil.", "inference.")) for name in names)
    assert {s.name for s in listed.list_services_response.service} == names
    (raw,) = described.file_descriptor_response.file_descriptor_proto
    file = descriptor_pb2.FileDescriptorProto.FromString(raw)
    assert file.package == "grpc.reflection.v1"
    assert [m.name for m in file.service[0].method] == ["ServerReflectionInfo"]
    assert file.service[0].method[0].input_type == ".grpc.reflection.v1.ServerReflectionRequest"


def test_grpcurl_lists_and_describes_when_installed(platform) -> None:
    """The real grpcurl, when the machine has it (it is not a Python
    package); the reflection test above covers the protocol either way."""
    grpcurl = shutil.which("grpcurl")
    if grpcurl is None:
        pytest.skip("grpcurl is not installed")
    target = platform.grpc_target("streams")
    listed = subprocess.run([grpcurl, "-plaintext", target, "list"], capture_output=True, text=True, timeout=30)
    assert listed.returncode == 0, listed.stderr
    assert "vigil.streams.v1.StreamsService" in listed.stdout.split()
    described = subprocess.run(
        [grpcurl, "-plaintext", target, "describe", "vigil.streams.v1.StreamsService"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert described.returncode == 0 and "ListNodeStreams" in described.stdout, described.stderr


@pytest.mark.parametrize(
    ("client", "path", "shape"),
    [
        ("luna_http", "/3/streams", {"error_code", "desc", "detail"}),
        ("luna_http", "/streams/0/x/y/z", {"error_code", "desc", "detail"}),
        ("luna_http", "/api/nothing", {"error_code", "desc", "detail"}),
        ("visionaire_http", "/3/streams", {"code", "message"}),
        ("visionaire_http", "/1/no-such-route", {"code", "message"}),
        ("visionaire_http", "/videos/1/nothing", {"code", "message"}),
        ("http", "/1/no-such-route", {"error_code", "desc", "detail"}),
        ("http", "/3/streams", {"code", "message"}),
        ("http", "/videos/1/nothing/", {"code", "desc"}),
    ],
)
def test_unknown_routes_answer_in_the_listener_family(platform, request, client, path, shape) -> None:
    """On 4004 an unknown route is Visionaire4's 404, on 5160 LUNA's (with
    a Luna-Request-Id); on 8080 the path says whose it would have been."""
    reply = request.getfixturevalue(client).get(path)
    assert reply.status_code == 404
    assert set(_json(reply)) == shape
    if client == "luna_http":
        assert reply.json()["error_code"] == 39001 and LUNA_ID.match(reply.headers["Luna-Request-Id"])
    # Known routes keep their own family on every listener.
    assert set(request.getfixturevalue(client).get("/1/streams/x").json()) == {"error_code", "desc", "detail"}
