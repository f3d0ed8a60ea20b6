"""Authentication through the real Envoy (issue 11), on SQLite and
PostgreSQL, with clients that carry no credentials of their own.

The platform here trusts an operator's identity provider (an RS256 JWKS file,
its issuer and audience) instead of the local key, and turns the Bearer check
on for Visionaire4 too. Every refusal is a 401 in the family's shape, reaches
no service, is counted in /metrics and leaves no secret in the log."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest

from tests.auth_support import AUDIENCE, ISSUER, IdentityProvider
from tests.classify_support import classify, multipart
from tests.conftest import http_client
from tests.e2e.luna_examples import CREATE_V1, example
from tests.e2e.uploads_client import upload_file
from tests.media import make_h264
from tests.platform_launcher import ROOT
from vigil.uploads.v1 import (
    archives_service_pb2,
    archives_service_pb2_grpc,
    uploads_service_pb2,
    uploads_service_pb2_grpc,
)

IDP = IdentityProvider(Path(tempfile.mkdtemp(prefix="vigil-idp-")))
PLATFORM_ENV = {
    "VIGIL_AUTH_JWKS_FILE": str(IDP.jwks_path),
    "VIGIL_AUTH_ISSUER": ISSUER,
    "VIGIL_AUTH_AUDIENCES": f"{AUDIENCE},another-api",
    "VIGIL_AUTH_VISIONAIRE": "true",
}
LENZ_VIDEOS = "/api/visionaire-media/0/videos"
#: Every kind of Lenz route: uploads, videos, the analytic catalog and pipelines.
LENZ_ROUTES = [
    ("POST", "/api/visionaire-media/0/videos/upload"),
    ("GET", "/api/visionaire-media/0/videos/upload/status/sess-1"),
    ("GET", "/api/visionaire-media/0/videos/upload/resume/sess-1"),
    ("POST", "/api/visionaire-media/0/videos/upload/cancel/sess-1"),
    ("GET", LENZ_VIDEOS),
    ("GET", f"{LENZ_VIDEOS}/abc"),
    ("DELETE", f"{LENZ_VIDEOS}/abc"),
    ("GET", "/api/visionaire/analytic_list"),
    ("GET", "/api/visionaire_active_analytic_list"),
    ("GET", "/api/visionaire/pipeline/0/s/NFV4-MPA"),
    ("POST", "/api/visionaire/analytics/config/validate"),
]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


#: Each bad credential, made when the test runs, and the reason it counts as.
BAD_BEARERS = {
    "no header": (lambda: {}, "missing"),
    "basic scheme": (lambda: {"Authorization": "Basic dXNlcjpwYXNz"}, "missing"),
    "not a JWT": (lambda: bearer("not-a-jwt"), "malformed"),
    "signed by another key": (lambda: bearer(IDP.other_key_token()), "verification_failed"),
    "alg none": (lambda: bearer(IDP.unsigned_token()), "malformed"),
    "alg none with a signature": (lambda: bearer(IDP.unsigned_token() + "AAAA"), "bad_algorithm"),
    "HS256 with the public key": (lambda: bearer(IDP.hs256_with_public_key()), "unknown_key"),
    "expired": (lambda: bearer(IDP.token(exp=int(time.time()) - 3600)), "expired"),
    "not yet valid": (lambda: bearer(IDP.token(nbf=int(time.time()) + 3600)), "not_yet_valid"),
    "wrong aud": (lambda: bearer(IDP.token(aud="someone-else")), "wrong_audience"),
    "wrong iss": (lambda: bearer(IDP.token(iss="https://evil.example/")), "wrong_issuer"),
    "no exp": (lambda: bearer(IDP.token(exp=None)), "verification_failed"),
}


@pytest.fixture(scope="module")
def anon(platform) -> Iterator[httpx.Client]:
    with http_client(platform, credentials=False) as client:
        yield client


@pytest.fixture(scope="module")
def anon_visionaire(platform) -> Iterator[httpx.Client]:
    with http_client(platform, "VISIONAIRE", credentials=False) as client:
        yield client


def vigil_cli(platform, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "services.platform.cli", *args],
        env=platform.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def assert_lenz_401(reply: httpx.Response) -> None:
    assert reply.status_code == 401, reply.text
    body = reply.json()
    assert set(body) == {"success", "message"} and body["success"] is False and body["message"]
    assert reply.headers["www-authenticate"].startswith("Bearer")


def test_a_token_of_the_operators_identity_provider_is_accepted(anon: httpx.Client) -> None:
    reply = anon.get(LENZ_VIDEOS, headers=bearer(IDP.token()))
    assert reply.status_code == 200, reply.text
    assert reply.json()["success"] is True
    # Any of the configured audiences, and a small clock skew on `nbf`.
    assert anon.get(LENZ_VIDEOS, headers=bearer(IDP.token(aud="another-api"))).status_code == 200
    assert anon.get(LENZ_VIDEOS, headers=bearer(IDP.token(nbf=int(time.time()) + 5))).status_code == 200


@pytest.mark.parametrize("case", list(BAD_BEARERS))
def test_a_bad_bearer_is_a_lenz_401(anon: httpx.Client, case: str) -> None:
    headers = BAD_BEARERS[case][0]()
    assert_lenz_401(anon.get(LENZ_VIDEOS, headers=headers))


@pytest.mark.parametrize(("method", "path"), LENZ_ROUTES)
def test_every_lenz_route_needs_the_bearer(anon: httpx.Client, method: str, path: str) -> None:
    assert_lenz_401(anon.request(method, path))
    assert anon.request(method, path, headers=bearer(IDP.token())).status_code != 401


def test_a_refused_delete_reaches_no_service(platform, anon: httpx.Client, tmp_path: Path) -> None:
    """An upload made with a good token survives a DELETE with a bad one."""
    clip = make_h264(tmp_path / "a.mp4", seconds=1).read_bytes()
    with http_client(platform, credentials=False, headers=bearer(IDP.token())) as user:
        video_id = upload_file(user, clip, query="?auto_stream=false")["video_id"]
        refused = anon.delete(f"{LENZ_VIDEOS}/{video_id}", headers=bearer(IDP.token(exp=int(time.time()) - 3600)))
        assert_lenz_401(refused)
        assert user.get(f"{LENZ_VIDEOS}/{video_id}").status_code == 200


def test_visionaire4_routes_need_the_bearer_when_the_setting_is_on(anon_visionaire: httpx.Client) -> None:
    refused = anon_visionaire.get("/streams")
    assert refused.status_code == 401
    assert refused.json() == {"code": 401, "message": "Jwt is missing"}
    assert refused.headers["www-authenticate"].startswith("Bearer")
    assert anon_visionaire.get("/", headers=bearer(IDP.token(exp=int(time.time()) - 3600))).status_code == 401
    assert anon_visionaire.get("/streams", headers=bearer(IDP.token())).status_code == 200
    # Vigil's events extension is guarded with them.
    events = anon_visionaire.get("/vigil/v1/events")
    assert events.status_code == 401 and events.json() == {"code": 401, "message": "Jwt is missing"}
    assert anon_visionaire.get("/vigil/v1/events", headers=bearer(IDP.token())).status_code == 200


def test_luna_and_gaard_need_no_credentials(anon: httpx.Client) -> None:
    assert anon.get("/1/streams").status_code == 200
    missing = anon.get("/api/result/000000000000000000000000")
    assert missing.status_code == 404 and "error_code" in missing.json()


def test_a_tenant_header_from_a_client_is_dropped(platform, anon: httpx.Client) -> None:
    """Only jwt_authn sets `vigil-auth-tenant`: a client's own is dropped,
    so a FindFace or LUNA call cannot claim a tenant that way."""
    from services.auth.families import JWT_HEADER_TENANT

    reply = anon.get(LENZ_VIDEOS, headers={JWT_HEADER_TENANT: "mallory"})
    assert_lenz_401(reply)


def assert_findface_401(reply: httpx.Response) -> None:
    assert reply.status_code == 401, reply.text
    body = reply.json()
    assert body["code"] == "UNAUTHORIZED" and body["desc"]
    assert reply.headers["www-authenticate"].startswith("Token")


def test_findface_token_made_listed_and_revoked_with_the_cli(platform, anon: httpx.Client) -> None:
    token = vigil_cli(platform, "token", "create", "--owner", "cli-owner").strip()
    assert len(token) == 40
    good = {"Authorization": f"Token {token}"}
    assert anon.get("/videos/", headers=good).status_code == 200
    listed = vigil_cli(platform, "token", "list")
    assert token not in listed and token[:8] in listed and "cli-owner" in listed
    token_id = next(line.split("\t")[0] for line in listed.splitlines() if token[:8] in line)
    vigil_cli(platform, "token", "revoke", token_id)
    assert_findface_401(anon.get("/videos/", headers=good))
    assert_findface_401(anon.post("/videos/", headers=good, json={"name": "x.mp4", "camera_group": 1}))


BAD_TOKENS = {
    "no header": {},
    "malformed": {"Authorization": "Token not-hex"},
    "a Bearer JWT": bearer(IDP.token()),
    "unknown": {"Authorization": "Token " + "0" * 40},
}


@pytest.mark.parametrize("case", list(BAD_TOKENS))
def test_a_bad_findface_token_is_a_findface_401(platform, anon: httpx.Client, case: str) -> None:
    headers = BAD_TOKENS[case]
    with http_client(platform) as user:
        before = user.get("/videos/count/").json()
    assert_findface_401(anon.get("/videos/", headers=headers))
    assert_findface_401(anon.get("/videos/count/", headers=headers))
    assert_findface_401(anon.post("/videos/", headers=headers, json={"name": "x.mp4", "camera_group": 1}))
    assert_findface_401(anon.put("/videos/1/upload/source_file/", headers=headers, content=b"\0" * 64))
    # Nothing was made.
    with http_client(platform) as user:
        assert user.get("/videos/count/").json() == before


def test_no_way_around_the_edge(platform) -> None:
    """A raw gRPC call through Envoy is refused outright (the REST listeners
    serve no gRPC: tests/e2e/test_edge_hardening.py); the FindFace service
    checks its token on its own port too."""
    with grpc.insecure_channel(platform.url("", "HTTP").removeprefix("http://")) as channel:
        stub = uploads_service_pb2_grpc.UploadsServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            stub.ListVideos(uploads_service_pb2.ListVideosRequest(nvr_server_id=0), timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNIMPLEMENTED
    with grpc.insecure_channel(platform.grpc_target("uploads")) as channel:
        archives = archives_service_pb2_grpc.ArchivesServiceStub(channel)
        with pytest.raises(grpc.RpcError) as refused:
            archives.CountArchives(archives_service_pb2.CountArchivesRequest(), timeout=10)
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        token = platform.findface_token("grpc-owner")
        counted = archives.CountArchives(
            archives_service_pb2.CountArchivesRequest(), metadata=(("authorization", f"Token {token}"),), timeout=10
        )
        assert counted.count >= 0


def test_the_edge_internal_handler_is_not_reachable(anon: httpx.Client) -> None:
    assert anon.post("/vigil.internal.EdgeEvents/AuthFailure", content=b"lenz\nfake").status_code == 404


def test_failures_are_counted_by_family_and_reason(anon: httpx.Client, anon_visionaire: httpx.Client) -> None:
    for make, _ in BAD_BEARERS.values():
        anon.get(LENZ_VIDEOS, headers=make())
    anon_visionaire.get("/streams")
    anon.get("/videos/", headers={"Authorization": "Token " + "1" * 40})
    wanted = {f'family="lenz",reason="{reason}"' for _, reason in BAD_BEARERS.values()}
    wanted |= {'family="visionaire",reason="missing"', 'family="findface",reason="unknown_token"'}
    deadline = time.monotonic() + 30  # the edge reports each refusal without waiting for it
    while True:
        text = anon.get("/metrics", headers=bearer(IDP.token())).text
        missing = {w for w in wanted if f"vigil_auth_failures_total{{{w}}}" not in text}
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not missing, text


def test_no_secret_reaches_the_log(platform, anon: httpx.Client) -> None:
    token = platform.findface_token("log-owner")
    jwt = IDP.token()
    anon.get("/videos/", headers={"Authorization": f"Token {token}"})
    anon.get("/videos/", headers={"Authorization": "Token " + "2" * 40})
    anon.get(LENZ_VIDEOS, headers=bearer(jwt))
    anon.get(LENZ_VIDEOS, headers=bearer(IDP.token(exp=int(time.time()) - 3600)))
    log = platform.log.read_text()
    for secret in (token, "2" * 40, jwt, jwt.split(".")[2]):
        assert secret not in log


# -- tenancy: one tenant never reads, lists, changes or deletes another's ----------


def test_a_lenz_users_videos_are_their_own(platform, anon: httpx.Client, tmp_path: Path) -> None:
    clip = make_h264(tmp_path / "mine.mp4", seconds=1).read_bytes()
    alice = bearer(IDP.token("alice"))
    with http_client(platform, credentials=False, headers=alice) as user:
        receipt = upload_file(user, clip, filename="alice.mp4", query="?auto_stream=false")
    video_id, session_id = receipt["video_id"], receipt["session_id"]
    bob = bearer(IDP.token("bob"))
    base = "/api/visionaire-media/0/videos"
    for method, path in [
        ("GET", f"{base}/{video_id}"),
        ("DELETE", f"{base}/{video_id}"),
        ("GET", f"{base}/upload/status/{session_id}"),
        ("GET", f"{base}/upload/resume/{session_id}"),
        ("POST", f"{base}/upload/cancel/{session_id}"),
    ]:
        reply = anon.request(method, path, headers=bob)
        assert reply.status_code == 404, (method, path, reply.text)
        assert reply.json()["success"] is False
    # A tenant header of the client's own does not make bob alice.
    spoofed = anon.get(f"{base}/{video_id}", headers={**bob, "vigil-auth-tenant": "alice"})
    assert spoofed.status_code == 404
    listed = anon.get(base, headers=bob, params={"limit": 0}).json()["data"]["videos"]
    assert video_id not in {v["id"] for v in listed}
    mine = anon.get(base, headers=alice, params={"limit": 0}).json()["data"]["videos"]
    assert video_id in {v["id"] for v in mine}
    assert anon.get(f"{base}/{video_id}", headers=alice).status_code == 200


def test_a_token_without_the_tenant_claim_is_refused(anon: httpx.Client) -> None:
    reply = anon.get(LENZ_VIDEOS, headers=bearer(IDP.token(sub=None)))
    assert_lenz_401(reply)
    assert reply.json()["message"] == "the token names no tenant"


def test_a_findface_owners_archives_are_their_own(platform, anon: httpx.Client) -> None:
    a = {"Authorization": f"Token {platform.findface_token('tenant-a')}"}
    b = {"Authorization": f"Token {platform.findface_token('tenant-b')}"}
    created = anon.post("/videos/", headers=a, json={"name": "a.mp4", "camera_group": 1})
    assert created.status_code == 201, created.text
    archive = created.json()["id"]
    for method, path, body in [
        ("GET", f"/videos/{archive}/", None),
        ("PATCH", f"/videos/{archive}/", {"name": "taken"}),
        ("PUT", f"/videos/{archive}/", {"name": "taken", "camera_group": 1}),
        ("POST", f"/videos/{archive}/process/", None),
        ("POST", f"/videos/{archive}/stop/", None),
        ("GET", f"/videos/{archive}/screenshot/", None),
        ("DELETE", f"/videos/{archive}/", None),
    ]:
        reply = anon.request(method, path, headers=b, json=body)
        assert reply.status_code == 404, (method, path, reply.text)
        assert reply.json()["code"] == "NOT_FOUND"
    assert anon.get("/videos/count/", headers=b).json() == {"count": 0}
    assert anon.get("/videos/", headers=b).json()["results"] == []
    assert anon.get("/videos/count/", headers=a).json() == {"count": 1}
    assert anon.get(f"/videos/{archive}/", headers=a).json()["name"] == "a.mp4"


def test_a_bearer_tenant_wins_over_the_luna_account_id(anon: httpx.Client) -> None:
    """LUNA carries no credentials, so the Bearer is optional there; a
    verified one's tenant replaces the `account_id` the request names."""
    mine, theirs = str(uuid.uuid4()), str(uuid.uuid4())
    token = bearer(IDP.token(mine))
    body = {k: v for k, v in example(CREATE_V1, account_id=theirs).items() if k != "group_name"}
    created = anon.post("/1/streams", json=body, headers=token)
    assert created.status_code == 201, created.text
    stream_id = created.json()["stream_id"]
    assert anon.get(f"/1/streams/{stream_id}").json()["account_id"] == mine
    # The token's tenant, not the query's, decides what is seen.
    listed = anon.get("/1/streams", params={"account_id": mine}, headers=bearer(IDP.token(theirs))).json()
    assert stream_id not in {s["stream_id"] for s in listed["streams"]}
    other = anon.get(f"/1/streams/{stream_id}", headers=bearer(IDP.token(theirs)))
    assert other.status_code == 404 and other.json()["error_code"] == 39001
    assert anon.delete(f"/1/streams/{stream_id}", headers=bearer(IDP.token(theirs))).status_code == 404
    assert anon.get(f"/1/streams/{stream_id}", headers=token).status_code == 200
    # A Bearer that is sent must verify.
    refused = anon.get("/1/streams", headers=bearer(IDP.token(mine, exp=int(time.time()) - 3600)))
    assert refused.status_code == 401
    assert refused.json() == {"error_code": 401, "desc": "Unauthorized", "detail": "Jwt is expired"}


def test_a_bearer_tenant_wins_over_the_gaard_tenant(anon: httpx.Client, tmp_path: Path) -> None:
    clip = make_h264(tmp_path / "alarm.mp4", seconds=1).read_bytes()
    accepted = classify(
        anon, tenant="someone-else", file=("alarm.mp4", clip, "video/mp4"), sync=False
    )  # no token: the form's tenant
    assert accepted.status_code == 200, accepted.text
    token = bearer(IDP.token("gaard-tenant"))
    body, ctype = multipart([("tenant", "someone-else")], ("alarm.mp4", clip, "video/mp4"))
    mine = anon.post("/api/classify", content=body, headers={"Content-Type": ctype, **token})
    assert mine.status_code == 200, mine.text
    result = anon.get(f"/api/result/{mine.json()['id']}", headers=token)
    assert result.status_code == 200 and result.json()["tenant"] == "gaard-tenant"
    # Another tenant's id is a 404, whatever the query says.
    theirs = anon.get(f"/api/result/{accepted.json()['id']}", params={"tenant": "someone-else"}, headers=token)
    assert theirs.status_code == 404 and theirs.json()["error_code"] == 3001
    refused = anon.get(f"/api/result/{mine.json()['id']}", headers=bearer(IDP.other_key_token("gaard-tenant")))
    assert refused.status_code == 401 and refused.json()["error_code"] == 401


def test_vigil_run_says_where_credentials_come_from(platform) -> None:
    log = platform.log.read_text()
    assert f"Bearer tokens are checked against the JWKS in {IDP.jwks_path}" in log
    assert "a FindFace token: `vigil token create --owner NAME`" in log
