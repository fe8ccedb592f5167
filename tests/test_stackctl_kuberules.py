"""kuberules against the cases quantity.go's and validation.go's own tests use, and more."""

from __future__ import annotations

import pytest

from stackctl import kuberules as k

FORMAT, NUMERIC, SUFFIX = k.ERR_FORMAT_WRONG, k.ERR_NUMERIC, k.ERR_SUFFIX

QUANTITIES: list[tuple[str, str | None]] = [
    # valid
    ("0", None), ("1", None), ("1e3", None), ("1E3", None), ("1e+3", None), ("1e-3", None),
    ("0.5", None), (".5", None), ("5.", None), ("+1", None), ("-1", None), ("100m", None),
    ("1Ki", None), ("1Mi", None), ("1.5Gi", None), ("8Gi", None), ("1Ei", None),
    ("1n", None), ("1u", None), ("1k", None), ("1M", None), ("1G", None), ("1T", None),
    ("1P", None), ("1E", None), ("000", None), ("0.0001", None), ("1.G", None),
    ("12345678901234567890", None), ("0e-10", None), ("1e-10", None),
    (".", None), ("+", None),  # quantity.go parses these as zero
    # invalid
    ("", FORMAT), ("1K", SUFFIX), ("2 gigs", FORMAT), ("lots", FORMAT), ("1.5.5", FORMAT),
    ("1e", SUFFIX), ("1Gib", FORMAT), ("1ki", SUFFIX), ("1 Gi", FORMAT), (" 1", FORMAT),
    ("1 ", FORMAT), ("1i", SUFFIX), ("1e3.5", FORMAT),
    ("--1", SUFFIX),  # the scanner takes "-1" as the suffix
    ("1e99999999999999999999", SUFFIX),  # exponent beyond int64
    (".e-10", NUMERIC), ("1Mi2", SUFFIX), ("0x10", FORMAT), ("1_000", FORMAT),
    ("\u0661", FORMAT),  # a non-ASCII digit: Go scans bytes
]


@pytest.mark.parametrize(("text", "expected"), QUANTITIES, ids=[repr(t) for t, _ in QUANTITIES])
def test_parse_quantity(text: str, expected: str | None) -> None:
    assert k.quantity_problem(text) == expected
    assert k.is_quantity(text) is (expected is None)


def test_the_format_error_quotes_kubernetes_regex() -> None:
    assert FORMAT == ("quantities must match the regular expression "
                      "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


@pytest.mark.parametrize(("value", "expected"), [
    ("1Gi", None), (2, None), (0.5, None), (" 1Gi ", None),  # UnmarshalJSON trims spaces
    ("2 gigs", FORMAT), (True, None), (None, None),  # wrong JSON types: the schema's job
])
def test_json_quantity(value: object, expected: str | None) -> None:
    assert k.json_quantity_problem(value) == expected


LABEL_REGEX = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
               "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',"
               "  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_REGEX = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
    "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*"
    "[a-z0-9])?)*')")
DNS1035_REGEX = (
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with "
    "an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or "
    "'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")


@pytest.mark.parametrize(("value", "expected"), [
    ("a", []), ("kafka", []), ("0", []), ("a-1", []), ("1-a", []), ("a" * 63, []),
    ("Kafka_NS", [LABEL_REGEX]), ("A", [LABEL_REGEX]), ("-a", [LABEL_REGEX]),
    ("a-", [LABEL_REGEX]), ("", [LABEL_REGEX]), ("a_b", [LABEL_REGEX]),
    ("a.b", ["must not contain dots"]), ("a" * 64, ["must be no more than 63 characters"]),
    ("a\n", [LABEL_REGEX]),  # Go's $ does not match before a trailing newline
])
def test_dns1123_label(value: str, expected: list[str]) -> None:
    assert k.dns1123_label_problems(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("a", []), ("a.b", []), ("example.com", []), ("a-b.c-d", []), ("1.2.3", []),
    ("a..b", [SUBDOMAIN_REGEX]), (".a", [SUBDOMAIN_REGEX]), ("A.b", [SUBDOMAIN_REGEX]),
    ("a" * 253, []),  # the regex does not bound a label's length inside a subdomain
    ("a" * 254, ["must be no more than 253 characters"]),
    ("A" * 254, ["must be no more than 253 characters", SUBDOMAIN_REGEX]),
])
def test_dns1123_subdomain(value: str, expected: list[str]) -> None:
    assert k.dns1123_subdomain_problems(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("a", []), ("a-1", []), ("stack-kafka", []),
    ("1a", [DNS1035_REGEX]), ("a.b", [DNS1035_REGEX]), ("A", [DNS1035_REGEX]),
    ("a" * 64, ["must be no more than 63 characters"]),
])
def test_dns1035_label(value: str, expected: list[str]) -> None:
    assert k.dns1035_label_problems(value) == expected


QNAME = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start "
         "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
         "'123-abc', regex used for validation is "
         "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")


@pytest.mark.parametrize(("value", "expected"), [
    ("app", []), ("app.kubernetes.io/name", []), ("My_Name.x", []), ("a/b", []),
    ("-app", [QNAME]), ("app-", [QNAME]), ("", ["name part must be non-empty", QNAME]),
    ("/app", ["prefix part must be non-empty"]),
    ("Example.com/app", ["prefix part " + SUBDOMAIN_REGEX]),
    ("a" * 64, ["name part must be no more than 63 characters"]),
])
def test_qualified_name(value: str, expected: list[str]) -> None:
    assert k.qualified_name_problems(value) == expected


def test_qualified_name_with_two_slashes() -> None:
    [message] = k.qualified_name_problems("a/b/c")
    assert message.startswith("a qualified name must consist of")
    assert message.endswith("with an optional DNS subdomain prefix and '/' "
                            "(e.g. 'example.com/MyName')")


@pytest.mark.parametrize(("value", "ok"), [
    ("", True), ("prod", True), ("3.9.1", True), ("My_Value", True), ("a" * 63, True),
    ("-x", False), ("x-", False), ("a b", False), ("a/b", False), ("a" * 64, False),
])
def test_label_value(value: str, ok: bool) -> None:
    assert (k.label_value_problems(value) == []) is ok


@pytest.mark.parametrize(("value", "expected"), [
    ("client", []), ("http-2", []), ("a1", []),
    ("client-port-long", ["must be no more than 15 characters"]),
    ("Client", ["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]),
    ("123", ["must contain at least one letter (a-z)"]),
    ("a--b", ["must not contain consecutive hyphens"]),
    ("-ab", ["must not begin or end with a hyphen"]),
])
def test_port_name(value: str, expected: list[str]) -> None:
    assert k.port_name_problems(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("reader", []), ("system:reader", []), (".", ["may not be '.'"]),
    ("..", ["may not be '..'"]), ("a/b%c", ["may not contain '/'", "may not contain '%'"]),
])
def test_path_segment_name(value: str, expected: list[str]) -> None:
    assert k.path_segment_name_problems(value) == expected


def test_release_names_follow_helm() -> None:
    assert k.release_name_problems("stack") == []
    assert k.release_name_problems("a" * 54) == ["must be no more than 53 characters"]
    assert k.release_name_problems("Stack") == [SUBDOMAIN_REGEX]


@pytest.mark.parametrize(("value", "problem"), [
    ("2Gi", None), (" 1", None), (0, None), (1.5, None), ("-0", None),
    ("-1", "must be greater than or equal to 0"), ("-0.5Gi", "must be greater than or equal to 0"),
    (-2, "must be greater than or equal to 0"), ("2 gigs", "quantities must match the regular "
                                                 "expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*"
                                                 "[-+]?[0-9]*)$'"),
])
def test_quantity_fields_refuse_what_the_api_server_refuses(value: object,
                                                             problem: str | None) -> None:
    """Parsing (UnmarshalJSON trims spaces) and ValidateNonnegativeQuantity, both checked
    against a real kube-apiserver by e2e/stage1/test_kuberules.py."""
    assert k.json_quantity_value_problem(value) == problem
