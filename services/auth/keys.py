"""The platform's local JWT signing key and its JWKS, and JWT signing.

On first start `vigil run` makes an ES256 (P-256) key pair under
`<data_dir>/auth/`: `signing_key.pem` (private, mode 0600) and `jwks.json`
(the public key as a JWKS, which Envoy's `jwt_authn` filter reads). An
operator's own JWKS file (`VIGIL_AUTH_JWKS_FILE`) replaces the local one;
then tokens come from that identity provider and `vigil jwt` cannot sign.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from services.common.settings import Settings

ALGORITHM = "ES256"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def auth_dir(settings: Settings) -> Path:
    return settings.data_dir / "auth"


def signing_key_path(settings: Settings) -> Path:
    return auth_dir(settings) / "signing_key.pem"


def local_jwks_path(settings: Settings) -> Path:
    return auth_dir(settings) / "jwks.json"


def jwks_path(settings: Settings) -> Path:
    """The JWKS Envoy verifies Bearer tokens with: the operator's, or the local one."""
    return settings.auth.jwks_file if settings.auth.jwks_file else local_jwks_path(settings)


def _kid(public: ec.EllipticCurvePublicKey) -> str:
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    digest = hashes.Hash(hashes.SHA256())
    digest.update(der)
    return b64url(digest.finalize())[:16]


def public_jwk(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "use": "sig",
        "alg": ALGORITHM,
        "kid": _kid(public),
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def ensure_local_keys(settings: Settings) -> bool:
    """Make the local key pair and JWKS unless they exist; True when made now.
    Nothing is made when the operator names a JWKS file of their own."""
    if settings.auth.jwks_file:
        check_operator_jwks(settings.auth.jwks_file)
        return False
    key_path, jwks = signing_key_path(settings), local_jwks_path(settings)
    if key_path.exists() and jwks.exists():
        return False
    key_path.parent.mkdir(parents=True, exist_ok=True)
    os.chmod(key_path.parent, 0o700)
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    jwks.write_text(json.dumps({"keys": [public_jwk(private.public_key())]}, indent=2) + "\n")
    return True


#: Key types of asymmetric algorithms; a symmetric (`oct`) key in the JWKS
#: would let HS256 tokens in, keyed with a secret Envoy's config then holds.
ASYMMETRIC = frozenset({"RSA", "EC", "OKP"})


def check_operator_jwks(path: Path) -> None:
    """Refuse an operator JWKS that is not a file, not a JWKS, empty, or holds
    a symmetric key: only asymmetric algorithms are accepted."""
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise SystemExit(f"VIGIL_AUTH_JWKS_FILE={path}: not a readable JSON file ({exc})") from None
    found = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(found, list) or not found:
        raise SystemExit(f"VIGIL_AUTH_JWKS_FILE={path}: not a JWKS with keys")
    for key in found:
        kty = key.get("kty") if isinstance(key, dict) else None
        if kty not in ASYMMETRIC:
            raise SystemExit(f"VIGIL_AUTH_JWKS_FILE={path}: key type {kty!r} is not an asymmetric one (RSA, EC, OKP)")


def load_signing_key(settings: Settings) -> ec.EllipticCurvePrivateKey:
    if settings.auth.jwks_file:
        raise SystemExit("VIGIL_AUTH_JWKS_FILE is set: tokens come from that identity provider, not from Vigil")
    path = signing_key_path(settings)
    if not path.exists():
        ensure_local_keys(settings)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SystemExit(f"{path} is not an EC private key")
    return key


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def sign_es256(key: ec.EllipticCurvePrivateKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A compact JWS of `claims` with `header`, signed with `key` (ES256)."""
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    der = key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def issue_token(settings: Settings, subject: str, ttl_seconds: int = 3600, **extra: Any) -> str:
    """A Bearer token for `subject` from the local key, valid for `ttl_seconds`."""
    key = load_signing_key(settings)
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": settings.auth.issuer,
        "aud": settings.auth.audience_list()[0],
        "sub": subject,
        "iat": now,
        "nbf": now,
        "exp": now + ttl_seconds,
        "jti": uuid.uuid4().hex,
        **extra,
    }
    header = {"alg": ALGORITHM, "typ": "JWT", "kid": _kid(key.public_key())}
    return sign_es256(key, header, claims)
