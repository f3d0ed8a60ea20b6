"""The REST edge as an internet-facing proxy (issue 18, item 1): unknown JSON
fields refused whatever the framing and size, body limits per route answering
413 in each family's shape while uploads keep streaming, HTTP/1.0, raw gRPC
refused on the REST listeners, absolute URLs from the configured public base
URL (never the client's Host), request-header and idle timeouts, a connection
limit, the overload manager and header limits."""

from __future__ import annotations

import base64
import contextlib
import json
import socket
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import grpc
import httpx
import pytest
import yaml

from tests.conftest import http_client
from tests.platform_launcher import RunningPlatform
from vigil.system.v1 import system_service_pb2, system_service_pb2_grpc

PUBLIC = "https://vigil.example.com/edge"
MAX_CONNECTIONS = 24
PLATFORM_ENV = {
    "VIGIL_PUBLIC_BASE_URL": PUBLIC + "/",
    "VIGIL_EDGE_MAX_JSON_BYTES": str(256 * 1024),
    "VIGIL_LUNA_PREVIEW_MAX_BYTES": str(512 * 1024),
    "VIGIL_EDGE_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
    "VIGIL_EDGE_REQUEST_HEADERS_TIMEOUT_SECONDS": "1",
    "VIGIL_EDGE_IDLE_TIMEOUT_SECONDS": "3",
}
LIMIT = 256 * 1024
STREAM = {"stream_address": "rtsp://10.0.0.1/a", "stream_name": "edge"}
SHAPES = {
    "visionaire": {"code", "message"},
    "luna": {"error_code", "desc", "detail"},
    "lenz": {"success", "message"},
    "findface": {"code", "desc"},
}
# (family, method, path, a valid body): JSON routes of every family.
JSON_ROUTES = [
    ("visionaire", "POST", "/streams/0", STREAM),
    ("luna", "POST", "/1/streams", {"data": {"reference": "rtsp://10.0.0.1/a"}}),
    ("findface", "POST", "/videos/", {"camera_group": 1, "name": "edge"}),
    ("lenz", "POST", "/api/visionaire-media/0/videos/upload/cancel/nope", {}),
]


def _padded(body: dict, size: int) -> bytes:
    """`body` as JSON padded with whitespace to `size` bytes."""
    raw = json.dumps(body).encode()
    return raw[:-1] + b" " * (size - len(raw)) + b"}"


def _chunks(data: bytes, size: int = 16 * 1024) -> Iterator[bytes]:
    """A generator body: httpx sends it with `Transfer-Encoding: chunked`."""
    for start in range(0, len(data), size):
        yield data[start : start + size]


def _shape(reply: httpx.Response, family: str) -> dict:
    assert reply.headers["content-type"].startswith("application/json"), reply.text
    body = reply.json()
    assert set(body) == SHAPES[family], body
    return dict(body)


@pytest.fixture(scope="module")
def h2(platform: RunningPlatform) -> Iterator[httpx.Client]:
    with http_client(platform, http1=False, http2=True) as client:
        yield client


# --- unknown fields, whatever the framing and size --------------------------------


@pytest.mark.parametrize("framing", ["length", "chunked", "padded", "padded-chunked", "http2-chunked"])
def test_unknown_fields_are_refused_whatever_the_framing(platform, http, h2, framing) -> None:
    body = json.dumps({**STREAM, "bogus_field": 1}).encode()
    if framing.startswith("padded"):
        body = _padded({**STREAM, "bogus_field": 1}, 200 * 1024)  # past the old 64 KiB copy limit
    client = h2 if framing.startswith("http2") else http
    content: bytes | Iterator[bytes] = _chunks(body) if framing.endswith("chunked") else body
    reply = client.post("/streams/0", content=content, headers={"Content-Type": "application/json"})
    assert reply.status_code == 400, reply.text
    assert _shape(reply, "visionaire") == {"code": 400, "message": "unknown field 'bogus_field'"}
    # The same body without the field is created, however it is framed.
    clean = _padded(STREAM, 200 * 1024) if framing.startswith("padded") else json.dumps(STREAM).encode()
    ok = client.post(
        "/streams/0",
        content=_chunks(clean) if framing.endswith("chunked") else clean,
        headers={"Content-Type": "application/json"},
    )
    assert ok.status_code == 200, ok.text


def test_a_client_cannot_forge_the_body_copy(platform, http) -> None:
    # The edge's own copy replaces one a client sends.
    forged = {"vigil-json-body-bin": "e30="}  # base64 of {}
    reply = http.post("/streams/0", json={**STREAM, "bogus_field": 1}, headers=forged)
    assert reply.status_code == 400, reply.text


# --- body limits per route ------------------------------------------------------------


@pytest.mark.parametrize(("family", "method", "path", "body"), JSON_ROUTES)
@pytest.mark.parametrize("framing", ["length", "chunked"])
def test_json_bodies_over_the_limit_are_413_in_the_family_shape(
    platform, http, family, method, path, body, framing
) -> None:
    data = _padded(body, LIMIT + 1)
    content: bytes | Iterator[bytes] = _chunks(data) if framing == "chunked" else data
    reply = http.request(method, path, content=content, headers={"Content-Type": "application/json"})
    assert reply.status_code == 413, reply.text
    shaped = _shape(reply, family)
    assert str(LIMIT) in json.dumps(shaped)
    if family == "luna":
        assert shaped["error_code"] == 12022 and "Luna-Request-Id" in reply.headers
    if family == "visionaire":
        assert shaped["code"] == 413
    # At the limit the body reaches the service (whatever it answers, not 413).
    at_limit = http.request(method, path, content=_padded(body, LIMIT), headers={"Content-Type": "application/json"})
    assert at_limit.status_code != 413, at_limit.text


def test_a_huge_chunked_body_is_cut_off_at_the_buffer_limit(platform) -> None:
    # Far past every limit, without a length: Envoy stops buffering and answers.
    with http_client(platform) as client:
        reply = client.post(
            "/streams/0",
            content=_chunks(b" " * (8 * 1024 * 1024), 256 * 1024),
            headers={"Content-Type": "application/json"},
        )
    assert reply.status_code == 413
    assert _shape(reply, "visionaire")["code"] == 413


def _too_large_count(platform: RunningPlatform) -> int:
    """How many requests Envoy itself cut off at a buffer limit."""
    admin = f"http://127.0.0.1:{platform.env['VIGIL_ENVOY_ADMIN_PORT']}/stats?filter=rest.downstream_rq_too_large$"
    text = httpx.get(admin, timeout=10).text
    return sum(int(line.rsplit(":", 1)[1]) for line in text.splitlines() if line.strip())


def test_json_routes_buffer_no_more_than_their_limit(platform) -> None:
    # Twice the JSON limit, chunked, on a JSON route: Envoy stops buffering at
    # the route's limit (the feedback routes' larger one is theirs alone).
    before = _too_large_count(platform)
    with http_client(platform) as client:
        reply = client.post(
            "/streams/0", content=_chunks(b" " * (2 * LIMIT)), headers={"Content-Type": "application/json"}
        )
    assert reply.status_code == 413
    assert _shape(reply, "visionaire")["message"] == f"the request body is larger than {LIMIT} bytes"
    assert _too_large_count(platform) == before + 1


def _huge_request(port: int, chunked: bool) -> bytes:
    """A 50 MiB JSON body: by its length (the answer is read before any body
    byte is sent), or chunked, sent until Envoy answers and closes."""
    size = 50 * 1024 * 1024
    framing = b"Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}".encode()
    head = b"POST /1/streams HTTP/1.1\r\nHost: vigil\r\nContent-Type: application/json\r\n" + framing + b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head)
        if chunked:
            piece = b"10000\r\n" + b" " * 0x10000 + b"\r\n"
            with contextlib.suppress(OSError):
                for _ in range(size // 0x10000):
                    sock.sendall(piece)
        return sock.recv(65536)


def test_huge_bodies_at_once_are_refused_without_growing_memory(platform) -> None:
    # Four 50 MiB bodies at once, by length and chunked: each is a 413, and
    # neither Envoy nor the streams service holds them.
    port = int(platform.env["VIGIL_HTTP_PORT"])
    envoy, streams = platform.child("envoy"), platform.service_process("streams")
    before = envoy.memory_info().rss, streams.memory_info().rss
    with ThreadPoolExecutor(8) as pool:
        replies = list(pool.map(lambda chunked: _huge_request(port, chunked), [False] * 4 + [True] * 4))
    assert all(reply.startswith(b"HTTP/1.1 413") for reply in replies), [r[:40] for r in replies]
    assert all(b"12022" in reply for reply in replies)
    grown = envoy.memory_info().rss - before[0], streams.memory_info().rss - before[1]
    assert grown[0] < 32 * 1024 * 1024 and grown[1] < 16 * 1024 * 1024, grown


def test_feedback_takes_a_preview_frame_past_the_json_limit(platform, http) -> None:
    jpeg = b"\xff\xd8\xff\xe0" + b"\0" * (300 * 1024) + b"\xff\xd9"  # 400 KiB in base64
    frame = "data:image/jpeg;base64," + base64.b64encode(jpeg).decode()
    report = {"stream_id": "ae09126e-70a6-49c7-923f-df2320f08639", "status": "in_progress", "version": 1}
    body = {"streams": [{**report, "preview": {"last_frame": {"url": frame}}}]}
    reply = http.post("/1/streams/feedback", json=body)
    assert reply.status_code == 200, reply.text[:300]
    assert reply.json()["streams"]["unmodified"][0]["status"] == "not_found"
    bogus = http.post("/1/streams/feedback", json={**body, "bogus": 1})
    assert bogus.status_code == 400 and "bogus" in bogus.json()["detail"]


def test_uploads_stream_past_the_json_limit(platform, http) -> None:
    created = http.post("/videos/", json={"camera_group": 1, "name": "big"}).json()
    # 2 MiB (eight times the JSON limit) of something that is not a video: the
    # uploads service reads it all and refuses it as not a video, not the edge.
    reply = http.put(
        f"/videos/{created['id']}/upload/source_file/",
        content=_chunks(b"\0" * (2 * 1024 * 1024)),
        headers={"Content-Type": "video/mp4"},
    )
    assert reply.status_code == 400, reply.text
    assert "video" in _shape(reply, "findface")["desc"]


# --- HTTP/1.0 and 0.9 -------------------------------------------------------------


def _raw(platform: RunningPlatform, data: bytes, listener: str = "HTTP") -> bytes:
    port = int(platform.env[f"VIGIL_{listener}_PORT"])
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(data)
        out = b""
        while chunk := sock.recv(65536):
            out += chunk
    return out


@pytest.mark.parametrize("host", [b"", b"Host: vigil\r\n"])
def test_http_1_0_is_served(platform, host) -> None:
    reply = _raw(platform, b"GET / HTTP/1.0\r\n" + host + b"\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200"), reply[:200]
    assert json.loads(body)["name"] == "Vigil"


def test_http_0_9_is_answered_as_http_1_0(platform) -> None:
    # Envoy's codec reads a version-less request line as HTTP/1.0 and answers
    # with an HTTP/1.0 status line and headers, then closes.
    reply = _raw(platform, b"GET /\r\n\r\n")
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 200") and b"connection: close" in head.lower(), reply[:200]
    assert json.loads(body)["name"] == "Vigil"


# --- raw gRPC on the REST listeners --------------------------------------------------


@pytest.mark.parametrize("listener", ["HTTP", "VISIONAIRE", "LUNA"])
def test_raw_grpc_is_refused_on_rest_listeners(platform, listener) -> None:
    with grpc.insecure_channel(f"127.0.0.1:{platform.env[f'VIGIL_{listener}_PORT']}") as channel:
        stub = system_service_pb2_grpc.SystemServiceStub(channel)
        with pytest.raises(grpc.RpcError) as caught:
            stub.GetSystemInfo(system_service_pb2.GetSystemInfoRequest(), timeout=10)
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "gRPC ports" in (caught.value.details() or "")
    # The gRPC port serves it.
    with grpc.insecure_channel(platform.grpc_target("system")) as channel:
        stub = system_service_pb2_grpc.SystemServiceStub(channel)
        assert stub.GetSystemInfo(system_service_pb2.GetSystemInfoRequest(), timeout=10).name == "Vigil"


# --- absolute URLs ----------------------------------------------------------------------


def test_absolute_urls_come_from_the_public_base_url_not_host(platform, http) -> None:
    evil = {"Host": "evil.example", "X-Forwarded-Proto": "gopher", "X-Forwarded-Host": "evil.example"}
    created = http.post("/videos/", json={"camera_group": 1, "name": "url"}, headers=evil).json()
    assert created["screenshot"] == f"{PUBLIC}/videos/{created['id']}/screenshot/"
    http.post("/videos/", json={"camera_group": 1, "name": "url2"})
    page = http.get("/videos/?limit=1", headers=evil).json()
    assert page["next_page"].startswith(f"{PUBLIC}/videos/?")
    assert "evil" not in json.dumps(page)


# --- timeouts, connection limit, header limits, overload manager -------------------------


def test_slow_request_headers_are_cut_off(platform) -> None:
    # Headers never finished: Envoy closes the connection once the request
    # header timeout (1 s here) passes, instead of holding it.
    reply = _raw(platform, b"GET / HTTP/1.1\r\nHost: vigil\r\nX-Slow: 1")
    assert reply == b"" or reply.startswith(b"HTTP/1.1 408"), reply[:200]


def test_idle_connections_are_closed(platform) -> None:
    port = int(platform.env["VIGIL_HTTP_PORT"])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: vigil\r\n\r\n")
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        # Then nothing: the connection is closed after the idle timeout (3 s).
        rest = b""
        while chunk := sock.recv(65536):
            rest += chunk
    assert b"HTTP/1.1" not in rest


def test_connections_past_the_limit_are_refused(platform) -> None:
    port = int(platform.env["VIGIL_HTTP_PORT"])
    held: list[socket.socket] = []
    refused = 0
    try:
        for _ in range(MAX_CONNECTIONS + 8):
            sock = socket.create_connection(("127.0.0.1", port), timeout=20)
            held.append(sock)
        for sock in held:
            try:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: vigil\r\n\r\n")
                if not sock.recv(65536):
                    refused += 1
            except (ConnectionResetError, BrokenPipeError):
                refused += 1
    finally:
        for sock in held:
            sock.close()
    assert refused >= 8
    with http_client(platform) as client:
        assert client.get("/").status_code == 200


def test_header_limits(platform, http) -> None:
    big = http.get("/streams", headers={"X-Big": "a" * (40 * 1024)})
    assert big.status_code == 431 and _shape(big, "visionaire")["code"] == 431
    with http_client(platform) as client:
        many = client.get("/streams", headers={f"X-H{i}": "1" for i in range(120)})
    assert many.status_code == 431
    # Envoy's codec refuses these before the path is read: the listener's
    # family answers (Visionaire4's shape on 8080).
    with http_client(platform, "LUNA") as client:
        underscore = client.get("/1/streams", headers={"X_Account": "1"})
    assert underscore.status_code == 400 and _shape(underscore, "luna")["error_code"] == 12022
    with http_client(platform) as client:
        underscore = client.get("/streams", headers={"X_Account": "1"})
    assert underscore.status_code == 400 and _shape(underscore, "visionaire")["code"] == 400


def test_header_names_grpc_metadata_cannot_carry_are_dropped_not_a_500(platform, http) -> None:
    # HTTP allows "`" and "~" in a header name; gRPC metadata keys do not, and
    # gRPC refused the whole call over one (a 500 "Illegal header key").
    for path in ("/streams", "/videos/", "/api/visionaire-media/0/videos"):
        reply = http.get(path, headers={"`f~hg.": "1", "X-Fine": "1"})
        assert reply.status_code == 200, (path, reply.text)


def test_overload_manager_and_connection_limit_are_configured(platform) -> None:
    config = yaml.safe_load((platform.data_dir / "run" / "envoy.yaml").read_text())
    monitors = {m["name"]: m["typed_config"] for m in config["overload_manager"]["resource_monitors"]}
    limit = monitors["envoy.resource_monitors.global_downstream_max_connections"]
    assert limit["max_active_downstream_connections"] == MAX_CONNECTIONS
    assert "envoy.resource_monitors.fixed_heap" in monitors
    # Envoy no longer warns at start that connections are unlimited.
    assert "no configured limit" not in platform.log.read_text()
