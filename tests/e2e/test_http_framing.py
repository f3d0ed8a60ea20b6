"""HTTP framing through the real Envoy, as clients meet it: every documented
route that answers 204, each followed by another request on the same
keep-alive connection; 204 routes called with bodies; Content-Length on
every kind of answer; HTTP/2 with prior knowledge (h2c)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.luna_examples import CREATE_V1, CREATE_V2, example

LUNA_ERROR = {"error_code", "desc", "detail"}


def connection(reply: httpx.Response) -> Any:
    """The local address of the connection an answer came on."""
    return reply.extensions["network_stream"].get_extra_info("client_addr")


def check_framing(reply: httpx.Response) -> None:
    """A 204 has no body and no Content-Length (RFC 9110 8.6, 15.3.5); any
    other answer's Content-Length, when it has one, is its body's length."""
    if reply.status_code in (204, 304):
        assert reply.content == b""
        assert "content-length" not in reply.headers and "content-type" not in reply.headers
        assert "transfer-encoding" not in reply.headers
    elif "content-length" in reply.headers:
        assert int(reply.headers["content-length"]) == len(reply.content)


class Walk:
    """Requests on one client that must all share its one connection."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.seen: set[Any] = set()
        self.closed = 0

    def __call__(self, method: str, path: str, status: int, **kwargs: Any) -> httpx.Response:
        reply = self.client.request(method, path, **kwargs)
        assert reply.status_code == status, (method, path, reply.text)
        check_framing(reply)
        after = self.client.get("/version")
        assert after.status_code == 200 and set(after.json()) == {"Version"}, after.content[:200]
        if reply.headers.get("connection") == "close":
            # Envoy ends the connection after a body its transcoder refused,
            # and says so: the client opens a new one, nothing is misread.
            self.closed += 1
        else:
            # The very next request went on the same connection.
            assert connection(after) == connection(reply), "the connection was not kept"
        self.seen.add(connection(after))
        return reply

    def check_one_connection(self) -> None:
        """Every request went on one connection, but where Envoy closed it."""
        assert len(self.seen) == 1 + self.closed, (self.seen, self.closed)


@pytest.fixture
def walk(luna_http: httpx.Client) -> Iterator[Walk]:
    walker = Walk(luna_http)
    yield walker
    walker.check_one_connection()


def _stream(walk: Walk, account: str, version: int) -> str:
    """A stream made from the document's example of `version`."""
    body = example(CREATE_V1 if version == 1 else CREATE_V2, account_id=account, group_name="")
    body = {k: v for k, v in body.items() if v != ""}
    reply = walk("POST", f"/{version}/streams", 201, json=body)
    return str(reply.json()["stream_id"])


@pytest.mark.parametrize("version", [1, 2])
def test_every_luna_204_then_a_request_on_the_same_connection(platform, walk: Walk, version: int) -> None:
    account = str(uuid.uuid4())
    v = f"/{version}"
    group = walk("POST", f"{v}/groups", 201, json={"account_id": account, "group_name": f"g{version}"}).json()
    stream_id = _stream(walk, account, version)
    walk("PATCH", f"{v}/streams/{stream_id}", 204, json={"description": "patched"})
    assert walk("GET", f"{v}/streams/{stream_id}", 200).json()["description"] == "patched"
    link = {"action": "attach", "stream_ids": [stream_id], "group_id": group["group_id"]}
    walk("POST", f"{v}/linker", 204, json=link)
    walk("POST", f"{v}/linker", 204, json=link | {"action": "detach"})
    walk("PATCH", f"{v}/groups/{group['group_id']}", 204, json={"description": "patched"})
    walk("DELETE", f"{v}/groups/{group['group_id']}", 204)
    walk("DELETE", f"{v}/streams/{stream_id}", 204)
    walk("GET", f"{v}/streams/{stream_id}", 404)
    other = _stream(walk, account, version)
    walk("DELETE", f"{v}/streams", 204, json={"stream_ids": [other]})
    assert walk("GET", f"{v}/streams", 200, params={"account_id": account}).json()["streams"] == []


def test_findface_delete_then_a_request_on_the_same_connection(platform, http: httpx.Client) -> None:
    walk = Walk(http)
    created = walk("POST", "/videos/", 201, json={"camera_group": 1, "name": "framing"}).json()
    walk("DELETE", f"/videos/{created['id']}/", 204)
    walk("GET", f"/videos/{created['id']}/", 404)
    walk.check_one_connection()


def test_204_routes_called_with_a_body(platform, walk: Walk) -> None:
    """A DELETE takes no body: a JSON one is ignored, one that is not JSON is
    LUNA's 400; a PATCH body with an unknown field is a 400. Whichever the
    answer, the next request on the connection reads a clean answer."""
    account = str(uuid.uuid4())
    group = walk("POST", "/1/groups", 201, json={"account_id": account, "group_name": "bodies"}).json()
    bad = walk(
        "DELETE",
        f"/1/groups/{group['group_id']}",
        400,
        content=b"not json at all",
        headers={"Content-Type": "application/json"},
    )
    assert set(bad.json()) == LUNA_ERROR and bad.json()["error_code"] == 12022
    stream_id = _stream(walk, account, 1)
    unknown = walk("PATCH", f"/1/streams/{stream_id}", 400, json={"descriptionn": "x"})
    assert unknown.json()["detail"] == "unknown field 'descriptionn'"
    big = walk("PATCH", f"/1/streams/{stream_id}", 204, json={"description": "d" * 100})
    assert big.content == b""
    walk("DELETE", f"/1/groups/{group['group_id']}", 204, json={"ignored": True})
    # A large body that is not JSON is refused, above the size the edge
    # copies for its strict check too; nothing was deleted.
    big_text = walk(
        "DELETE", f"/1/streams/{stream_id}", 400, content=b"x" * 70000, headers={"Content-Type": "text/plain"}
    )
    assert set(big_text.json()) == LUNA_ERROR
    walk("GET", f"/1/streams/{stream_id}", 200)
    walk("DELETE", f"/1/streams/{stream_id}", 204)


def test_content_length_on_every_kind_of_answer(platform, http: httpx.Client, luna_http: httpx.Client) -> None:
    """JSON, errors the services raise, errors Envoy makes, 201s, text and
    YAML: each answer's framing is right and the connection is kept."""
    walk = Walk(http)
    walk("GET", "/streams", 200)
    walk("GET", "/streams/7", 404)
    walk("GET", "/no/such/route", 404)
    walk("POST", "/streams/0", 400, content=b"{", headers={"Content-Type": "application/json"})
    walk("GET", "/metrics", 200)
    walk("GET", "/docs/spec", 200, headers={"Accept": "application/x-yaml"})
    walk("POST", "/videos/", 201, json={"camera_group": 1, "name": "length"})
    walk.check_one_connection()


def test_http2_with_prior_knowledge(platform) -> None:
    """h2c: an HTTP/2 client that knows the server speaks it (gRPC tools,
    Go's h2c, curl --http2-prior-knowledge) gets every kind of answer,
    204s included, on one HTTP/2 connection."""
    with httpx.Client(base_url=platform.url(""), timeout=30, http1=False, http2=True) as h2:
        listed = h2.get("/streams")
        assert (listed.http_version, listed.status_code) == ("HTTP/2", 200)
        account = str(uuid.uuid4())
        body = {k: v for k, v in example(CREATE_V1, account_id=account).items() if k != "group_name"}
        created = h2.post("/1/streams", json=body)
        assert created.status_code == 201, created.text
        stream_id = created.json()["stream_id"]
        patched = h2.patch(f"/1/streams/{stream_id}", json={"description": "over h2"})
        assert (patched.status_code, patched.content) == (204, b"")
        check_framing(patched)
        missing = h2.get("/streams/7")
        assert (missing.status_code, missing.json()) == (404, {"code": 404, "message": "node not found"})
        assert h2.get(f"/1/streams/{stream_id}").json()["description"] == "over h2"
        deleted = h2.delete(f"/1/streams/{stream_id}")
        assert deleted.status_code == 204 and deleted.http_version == "HTTP/2"
        check_framing(deleted)
