"""An identity provider for tests: an RSA key pair, its JWKS file, and tokens
signed right and wrong (another key, `alg: none`, HS256 with the public key)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

ISSUER = "https://idp.example.test/"
AUDIENCE = "vigil-api"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


class IdentityProvider:
    """An RS256 issuer whose public key is in `jwks_path`."""

    def __init__(self, folder: Path, kid: str = "idp-1") -> None:
        self.kid = kid
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        self.jwk = {
            "kty": "RSA",
            "alg": "RS256",
            "use": "sig",
            "kid": kid,
            "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": b64url(numbers.e.to_bytes(3, "big")),
        }
        self.jwks_path = folder / "idp-jwks.json"
        self.jwks_path.write_text(json.dumps({"keys": [self.jwk]}))
        self.public_pem = self.key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def claims(self, subject: str = "alice", **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims: dict[str, Any] = {"iss": ISSUER, "aud": AUDIENCE, "sub": subject, "iat": now, "exp": now + 3600}
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def token(self, subject: str = "alice", *, key: rsa.RSAPrivateKey | None = None, **changes: Any) -> str:
        header = {"alg": "RS256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{_segment(header)}.{_segment(self.claims(subject, **changes))}"
        signature = (key or self.key).sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{b64url(signature)}"

    def other_key_token(self, subject: str = "alice") -> str:
        """Right header and claims, signed by a key the JWKS does not hold."""
        return self.token(subject, key=rsa.generate_private_key(public_exponent=65537, key_size=2048))

    def unsigned_token(self, subject: str = "alice") -> str:
        """`alg: none`, no signature."""
        return f"{_segment({'alg': 'none', 'typ': 'JWT'})}.{_segment(self.claims(subject))}."

    def hs256_with_public_key(self, subject: str = "alice") -> str:
        """The key-confusion attack: HMAC keyed with the published public key."""
        header = {"alg": "HS256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{_segment(header)}.{_segment(self.claims(subject))}"
        mac = hmac.new(self.public_pem, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64url(mac)}"
