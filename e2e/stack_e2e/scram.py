"""SCRAM client side (RFC 5802; SHA-256/SHA-512 per RFC 7677 and Kafka), for the wire clients.

Three messages: ``first()`` → the server's first message → ``final(server_first)`` → the
server's final message → ``verify(server_final)`` (the server proves it knows the salted
password too). No channel binding (``n,,``: Kafka does not offer it). Usernames are escaped
as the RFC says (``=`` → ``=3D``, ``,`` → ``=2C``); passwords are used as UTF-8 without
SASLprep, which is the identity for the ASCII passwords the charts generate.

The password lives only in this object (``repr`` shows no secret) and in the bytes sent.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

HASHES = {"SCRAM-SHA-1": "sha1", "SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}


class ScramError(ValueError):
    """The server's answer is malformed, refused the exchange, or did not prove itself."""


def _attributes(message: bytes) -> dict[str, str]:
    out = {}
    for part in message.decode().split(","):
        key, sep, value = part.partition("=")
        if not sep or len(key) != 1:
            raise ScramError(f"malformed SCRAM message attribute {part[:20]!r}")
        out[key] = value
    return out


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


class ScramClient:
    def __init__(self, mechanism: str, username: str, password: str,
                 nonce: str | None = None) -> None:
        if mechanism not in HASHES:
            raise ValueError(f"unsupported SASL mechanism {mechanism!r} "
                             f"(one of {', '.join(HASHES)})")
        self.mechanism = mechanism
        self._hash = HASHES[mechanism]
        self._user = username.replace("=", "=3D").replace(",", "=2C")
        self._password = password.encode()
        self._nonce = nonce or secrets.token_urlsafe(24)
        self._first_bare = f"n={self._user},r={self._nonce}"
        self._server_signature: bytes | None = None

    def __repr__(self) -> str:
        return f"ScramClient({self.mechanism}, user={self._user!r})"

    def _hmac(self, key: bytes, msg: bytes) -> bytes:
        return hmac.new(key, msg, self._hash).digest()

    def first(self) -> bytes:
        return f"n,,{self._first_bare}".encode()

    def final(self, server_first: bytes) -> bytes:
        attrs = _attributes(server_first)
        if "e" in attrs:
            raise ScramError(f"server refused: {attrs['e']}")
        try:
            nonce, salt, iterations = attrs["r"], base64.b64decode(attrs["s"]), int(attrs["i"])
        except (KeyError, ValueError) as exc:
            raise ScramError(f"malformed server-first-message: {exc}") from None
        if not nonce.startswith(self._nonce) or len(nonce) == len(self._nonce):
            raise ScramError("the server's nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac(self._hash, self._password, salt, iterations)
        client_key = self._hmac(salted, b"Client Key")
        stored_key = hashlib.new(self._hash, client_key).digest()
        without_proof = f"c={base64.b64encode(b'n,,').decode()},r={nonce}"
        auth_message = f"{self._first_bare},{server_first.decode()},{without_proof}".encode()
        proof = _xor(client_key, self._hmac(stored_key, auth_message))
        self._server_signature = self._hmac(self._hmac(salted, b"Server Key"), auth_message)
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def verify(self, server_final: bytes) -> None:
        attrs = _attributes(server_final)
        if "e" in attrs:
            raise ScramError(f"server refused: {attrs['e']}")
        if self._server_signature is None:
            raise ScramError("verify() before final()")
        if not hmac.compare_digest(base64.b64decode(attrs.get("v", "")),
                                   self._server_signature):
            raise ScramError("the server's signature does not match: it does not know "
                             "this user's credentials")
