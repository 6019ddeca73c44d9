"""The mesh's JWT signing key, its JWKS for Envoy, and minting tokens for developers and tests.

The Ed25519 key is generated at first start in <data_dir>/keys/jwt-signing.pem with file mode 0600
and reused afterwards. Envoy gets only the public half, inline as a JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from infrafabric.mesh.config import Auth

KEY_FILE = Path("keys") / "jwt-signing.pem"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def load_or_create_private_key(path: Path) -> Ed25519PrivateKey:
    """Read the key, creating it (mode 0600, atomically) when absent."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            raise PermissionError(f"{path} has mode {mode:o}; it must be readable by its owner only (chmod 600)")
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return key


@dataclass(frozen=True)
class SigningKey:
    private_key: Ed25519PrivateKey

    @property
    def public_raw(self) -> bytes:
        return self.private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def kid(self) -> str:
        # RFC 7638 thumbprint of the OKP key: stable across restarts, changes when the key does.
        canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": _b64url(self.public_raw)}, separators=(",", ":"))
        return _b64url(hashlib.sha256(canonical.encode()).digest())[:16]

    def jwks_json(self) -> str:
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(self.public_raw), "alg": "EdDSA", "kid": self.kid, "use": "sig"}
        return json.dumps({"keys": [jwk]}, separators=(",", ":"))

    def mint(self, auth: Auth, *, tenant: str, user: str, role: str = "user", ttl_seconds: int = 3600) -> str:
        """A token Envoy accepts: sub=user, tenant and role claims, audience and issuer of the mesh."""
        if not tenant or not user:
            raise ValueError("tenant and user must not be empty")
        now = int(time.time())
        claims = {
            "iss": auth.issuer,
            "aud": auth.audience,
            "sub": user,
            auth.tenant_claim: tenant,
            auth.role_claim: role,
            "iat": now,
            "exp": now + ttl_seconds,
        }
        return jwt.encode(claims, self.private_key, algorithm="EdDSA", headers={"kid": self.kid})


def signing_key(data_dir: Path) -> SigningKey:
    return SigningKey(load_or_create_private_key(data_dir / KEY_FILE))
