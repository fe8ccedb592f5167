"""SASL DIGEST-MD5 client side (RFC 2831, qop=auth only), as ZooKeeper's DigestLoginModule
speaks it: the server challenges first (realm ``zk-sasl-md5``), the client answers with
the digest response, the server proves itself with ``rspauth``.

Usernames, realms and passwords are used as UTF-8, which equals the ISO 8859-1 form the
RFC asks for whenever they are ASCII (the charts generate ASCII passwords). The password
lives only in this object (``repr`` shows no secret).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_DIRECTIVE = re.compile(r'\s*([A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)')


class DigestError(ValueError):
    """A malformed challenge, an unsupported option, or a server that did not prove itself."""


def parse(challenge: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    text = challenge.decode()
    pos = 0
    while pos < len(text):
        found = _DIRECTIVE.match(text, pos)
        if not found or found.end() == pos:
            raise DigestError(f"malformed DIGEST-MD5 challenge near {text[pos:pos + 20]!r}")
        value = found.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.setdefault(found.group(1).lower(), value)
        pos = found.end()
    return out


def _md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()  # the mechanism is MD5 by definition


def _hex(data: bytes) -> str:
    return data.hex()


class DigestMD5Client:
    def __init__(self, username: str, password: str, protocol: str = "zookeeper",
                 server: str = "zk-sasl-md5", cnonce: str | None = None) -> None:
        self.username, self._password = username, password
        self.digest_uri = f"{protocol}/{server}"
        self._cnonce = cnonce or secrets.token_urlsafe(24)
        self._expected_rspauth: str | None = None

    def __repr__(self) -> str:
        return f"DigestMD5Client(user={self.username!r}, uri={self.digest_uri!r})"

    def _digests(self, realm: str, nonce: str, nc: str, qop: str) -> tuple[str, str]:
        """(response, rspauth) for one challenge."""
        secret = _md5(f"{self.username}:{realm}:{self._password}".encode())
        ha1 = _hex(_md5(secret + f":{nonce}:{self._cnonce}".encode()))

        def kd(a2: str) -> str:
            return _hex(_md5(f"{ha1}:{nonce}:{nc}:{self._cnonce}:{qop}:"
                             f"{_hex(_md5(a2.encode()))}".encode()))

        return kd(f"AUTHENTICATE:{self.digest_uri}"), kd(f":{self.digest_uri}")

    def respond(self, challenge: bytes) -> bytes:
        d = parse(challenge)
        if "nonce" not in d:
            raise DigestError("the challenge has no nonce")
        if "auth" not in [q.strip() for q in d.get("qop", "auth").split(",")]:
            raise DigestError(f"the server does not offer qop=auth (offers {d['qop']})")
        if d.get("algorithm", "md5-sess") != "md5-sess":
            raise DigestError(f"unsupported algorithm {d['algorithm']}")
        realm, nonce, nc = d.get("realm", ""), d["nonce"], "00000001"
        response, self._expected_rspauth = self._digests(realm, nonce, nc, "auth")
        parts = [f'username="{self.username}"', f'realm="{realm}"', f'nonce="{nonce}"',
                 f"nc={nc}", f'cnonce="{self._cnonce}"', f'digest-uri="{self.digest_uri}"',
                 "maxbuf=65536", f"response={response}", "qop=auth"]
        if d.get("charset") == "utf-8":
            parts.insert(0, "charset=utf-8")
        return ",".join(parts).encode()

    def verify(self, final: bytes) -> None:
        if self._expected_rspauth is None:
            raise DigestError("verify() before respond()")
        got = parse(final).get("rspauth", "")
        if not hmac.compare_digest(got, self._expected_rspauth):
            raise DigestError("the server's rspauth does not match: it does not know this "
                              "user's password")
