"""The e2e wire clients' SCRAM math (e2e/stack_e2e/scram.py) against the RFCs' own
exchanges, so a SASL failure on the cluster is never our arithmetic. No cluster needed."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

from stack_e2e.scram import ScramClient, ScramError

# (mechanism, client nonce, server-first, client-final, server-final): user "user",
# password "pencil". RFC 7677 section 3 (SCRAM-SHA-256), RFC 5802 section 5 (SCRAM-SHA-1).
VECTORS = [
    ("SCRAM-SHA-256", "rOprNGfwEbeRWgbNEkqO",
     "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
     "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
     "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
     "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="),
    ("SCRAM-SHA-1", "fyko+d2lbbFgONRv9qkxdawL",
     "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
     "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
     "v=rmF9pqV8S7suAoZWja4dJRkFsKQ="),
]


@pytest.mark.parametrize(("mechanism", "nonce", "server_first", "client_final", "server_final"),
                         VECTORS, ids=[v[0] for v in VECTORS])
def test_scram_exchange_matches_the_rfc(mechanism, nonce, server_first, client_final,
                                        server_final):
    client = ScramClient(mechanism, "user", "pencil", nonce=nonce)
    assert client.first() == f"n,,n=user,r={nonce}".encode()
    assert client.final(server_first.encode()) == client_final.encode()
    client.verify(server_final.encode())


def test_a_server_that_does_not_know_the_password_is_caught():
    mechanism, nonce, server_first, _, _ = VECTORS[0]
    client = ScramClient(mechanism, "user", "not-pencil", nonce=nonce)
    client.final(server_first.encode())
    with pytest.raises(ScramError, match="signature does not match"):
        client.verify(VECTORS[0][4].encode())


def test_server_errors_nonces_and_names():
    client = ScramClient("SCRAM-SHA-512", "a=b,c", "secret-password", nonce="abc")
    assert client.first() == b"n,,n=a=3Db=2Cc,r=abc"
    assert "secret-password" not in repr(client)
    with pytest.raises(ScramError, match="does not extend"):
        client.final(b"r=xyz,s=QSXCR+Q6sek8bf92,i=4096")
    with pytest.raises(ScramError, match="server refused: invalid-proof"):
        client.verify(b"e=invalid-proof")
    with pytest.raises(ValueError, match="unsupported SASL mechanism"):
        ScramClient("PLAIN", "u", "p")
    # SHA-512 (Kafka's default here) runs the same path: a proof of the hash's length
    final = client.final(b"r=abcdef,s=QSXCR+Q6sek8bf92,i=4096").decode()
    assert len(final.rsplit("p=", 1)[1]) == 88  # base64 of 64 bytes
