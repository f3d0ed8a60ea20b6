"""Authentication pieces without a platform: the local key pair and JWKS,
tokens stored as hashes, the jwt_authn configuration, failure reasons."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.auth import keys
from services.auth.families import family_of_path, jwt_reason
from services.auth.tokens import TokenStore, token_hash
from services.common.settings import Settings
from services.db.engine import make_engine, migrate
from services.platform import envoy_config


def test_local_keys_are_made_once_and_the_private_key_is_private(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert keys.ensure_local_keys(settings)
    assert not keys.ensure_local_keys(settings)
    private = keys.signing_key_path(settings)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    jwks = json.loads(keys.local_jwks_path(settings).read_text())
    (jwk,) = jwks["keys"]
    assert jwk["kty"] == "EC" and jwk["alg"] == "ES256" and "d" not in jwk


def test_an_operator_jwks_with_a_symmetric_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}))
    with pytest.raises(SystemExit, match="not an asymmetric"):
        keys.ensure_local_keys(Settings(data_dir=tmp_path).replace(auth_jwks_file=path))
    path.write_text("{}")
    with pytest.raises(SystemExit, match="not a JWKS"):
        keys.ensure_local_keys(Settings(data_dir=tmp_path).replace(auth_jwks_file=path))
    with pytest.raises(SystemExit, match="not a readable"):
        keys.ensure_local_keys(Settings(data_dir=tmp_path).replace(auth_jwks_file=tmp_path / "missing.json"))


def test_vigil_jwt_cannot_sign_for_an_operators_identity_provider(tmp_path: Path) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [{"kty": "RSA", "n": "AQAB", "e": "AQAB"}]}))
    with pytest.raises(SystemExit, match="identity provider"):
        keys.issue_token(Settings(data_dir=tmp_path).replace(auth_jwks_file=path), "alice")


def test_tokens_are_stored_only_as_their_hash(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'vigil.db'}"
    migrate(url)
    engine = make_engine(url)
    store = TokenStore(engine)
    info, token = store.create("acme")
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(sa.text("SELECT * FROM api_tokens"))]
    assert token not in repr(rows) and token_hash(token) in repr(rows)
    assert store.lookup(token) == info
    assert store.lookup("0" * 40) is None
    revoked = store.revoke(info.id)
    assert revoked is not None and revoked.revoked_at is not None
    assert store.lookup(token) is not None and store.lookup(token).revoked_at is not None  # type: ignore[union-attr]
    assert store.revoke(999) is None
    with pytest.raises(ValueError):
        store.create("  ")
    engine.dispose()


def _jwt_filter(settings: Settings) -> dict:
    listener = envoy_config.render(settings)["static_resources"]["listeners"][0]
    manager = listener["filter_chains"][0]["filters"][0]["typed_config"]
    (found,) = [f for f in manager["http_filters"] if f["name"] == "envoy.filters.http.jwt_authn"]
    names = [f["name"] for f in manager["http_filters"]]
    # After the Lua filter that shapes its answers, before the transcoder.
    assert names.index("envoy.filters.http.lua") < names.index(found["name"])
    assert names.index(found["name"]) < names.index("envoy.filters.http.grpc_json_transcoder")
    return found["typed_config"]


def test_jwt_authn_checks_what_rfc_8725_asks(tmp_path: Path) -> None:
    config = _jwt_filter(Settings(data_dir=tmp_path).replace(auth_issuer="https://idp/", auth_audiences="a, b"))
    provider = config["providers"][envoy_config.JWT_PROVIDER]
    assert provider["require_expiration"] is True and provider["forward"] is False
    assert provider["issuer"] == "https://idp/" and provider["audiences"] == ["a", "b"]
    assert provider["clock_skew_seconds"] == 30
    assert provider["local_jwks"]["filename"].endswith("auth/jwks.json")
    prefixes = {rule["match"].get("prefix") for rule in config["rules"]}
    assert {"/api/visionaire-media/", "/api/visionaire/", "/api/visionaire_active_analytic_list"} <= prefixes
    assert "/vigil.uploads.v1.UploadsService/" in prefixes  # raw gRPC through the edge too
    assert "/streams" not in prefixes  # Visionaire4: no authentication by default
    # LUNA and Gaard: a Bearer is optional, but one that is sent must verify.
    (luna,) = [rule for rule in config["rules"] if rule["match"].get("prefix") == "/1/"]
    assert luna["requires"]["requires_any"]["requirements"][1] == {"allow_missing": {}}


def test_the_visionaire_setting_protects_every_visionaire_route(tmp_path: Path) -> None:
    config = _jwt_filter(Settings(data_dir=tmp_path).replace(auth_visionaire=True))
    # The rules that require the token (LUNA and Gaard take an optional one).
    matches = [rule["match"] for rule in config["rules"] if "provider_name" in rule["requires"]]
    assert {"path": "/"} in matches and {"prefix": "/streams"} in matches
    assert "/vigil.streams.v1.StreamsService/" in {m.get("prefix") for m in matches}
    assert not any(str(m.get("prefix", "")).startswith(("/1/", "/videos", "/api/classify")) for m in matches)


@pytest.mark.parametrize(
    ("path", "family"),
    [
        ("/api/visionaire-media/0/videos", "lenz"),
        ("/api/visionaire/analytic_list", "lenz"),
        ("/api/visionaire_active_analytic_list", "lenz"),
        ("/videos/{id}", "findface"),
        ("/1/streams", "luna"),
        ("/api/classify", "gaard"),
        ("/streams/{node_num}", "visionaire"),
    ],
)
def test_families(path: str, family: str) -> None:
    assert family_of_path(path) == family


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        ("Jwt is missing", "missing"),
        ("Jwt is expired", "expired"),
        ("Jwt not yet valid", "not_yet_valid"),
        ("Audiences in Jwt are not allowed", "wrong_audience"),
        ("Jwt issuer is not configured", "wrong_issuer"),
        ("Jwt verification fails", "verification_failed"),
        ("Jwks doesn't have key to match kid or alg from Jwt", "unknown_key"),
        ("Jwt header [alg] is not supported", "bad_algorithm"),
        ("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections", "malformed"),
        ("Jwt header is an invalid JSON", "malformed"),
        ("something else", "invalid"),
    ],
)
def test_jwt_reasons(message: str, reason: str) -> None:
    assert jwt_reason(message) == reason


def test_the_openapi_document_declares_each_familys_credentials() -> None:
    from openapi_spec_validator import validate

    from services.system.openapi import spec

    document = spec()
    validate(document)  # type: ignore[arg-type]
    paths = document["paths"]
    assert set(document["components"]["securitySchemes"]) == {"bearerAuth", "tokenAuth"}
    lenz = paths["/api/visionaire-media/{nvr_server_id}/videos"]["get"]
    assert lenz["security"] == [{"bearerAuth": []}]
    assert lenz["responses"]["401"] == {"$ref": "#/components/responses/LenzError"}
    catalog = paths["/api/visionaire/analytic_list"]["get"]
    assert catalog["responses"]["401"] == {"$ref": "#/components/responses/LenzError"}
    assert paths["/videos/{id}"]["get"]["security"] == [{"tokenAuth": []}]
    assert paths["/1/streams"]["get"]["security"] == [{}, {"bearerAuth": []}]  # optional
    assert "security" not in paths["/streams"]["get"]  # Visionaire4: none by default
    assert "security" not in paths["/version"]["get"]
