"""Rules the Kubernetes API server applies that its JSON schemas do not express, ported
from k8s.io/apimachinery so that ``stackctl validate`` refuses what a real cluster would.

- ``resource.ParseQuantity`` (pkg/api/resource/quantity.go): the scanner
  ``parseQuantityString``, the suffix table (binary ``Ki``..``Ei``, decimal ``n u m "" k M
  G T P E``, decimal exponent ``e``/``E`` + a signed integer), and the fast/slow parse
  paths, which decide between its three errors. Strings are scanned as bytes, like Go.
- pkg/util/validation: ``IsDNS1123Label``, ``IsDNS1123Subdomain``, ``IsDNS1035Label``,
  ``IsQualifiedName``, ``IsValidLabelValue``, ``IsValidPortName`` and (apimachinery
  api/validation/path) ``IsValidPathSegmentName``, with Kubernetes' own error wording.

Every ``*_problems`` function returns Kubernetes' messages (empty when valid), as the
Go functions return ``[]string``.
"""

from __future__ import annotations

import re

# --- resource.Quantity ----------------------------------------------------------------

_SPLIT_RE = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
ERR_FORMAT_WRONG = f"quantities must match the regular expression '{_SPLIT_RE}'"
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_DIGITS = frozenset(b"0123456789")
_SUFFIX_CHARS = frozenset(b"eEinumkKMGTP")
_DECIMAL_SI = {b"n": -9, b"u": -6, b"m": -3, b"": 0, b"k": 3, b"M": 6, b"G": 9, b"T": 12,
               b"P": 15, b"E": 18}
_BINARY_SI = {b"Ki": 10, b"Mi": 20, b"Gi": 30, b"Ti": 40, b"Pi": 50, b"Ei": 60}
_MAX_INT64_FACTORS = 18
_NANO = -9
_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


class _QuantityError(Exception):
    pass


def _go_parse_int(text: bytes) -> int | None:
    """strconv.ParseInt(text, 10, 64): optional sign, ASCII digits, int64 range."""
    digits = text[1:] if text[:1] in (b"+", b"-") else text
    if not digits or any(c not in _DIGITS for c in digits):
        return None
    value = int(text)
    return value if _INT64_MIN <= value <= _INT64_MAX else None


def _int32(value: int) -> int:
    """Go's int32(x) conversion: wrap around."""
    return (value + (1 << 31)) % (1 << 32) - (1 << 31)


def _parse_quantity_string(s: bytes) -> tuple[bool, bytes, bytes, bytes, bytes]:
    """quantity.go parseQuantityString: (positive, value, num, denom, suffix)."""
    positive = True
    pos = 0
    end = len(s)
    if pos < end:
        if s[0] == ord("-"):
            positive = False
            pos += 1
        elif s[0] == ord("+"):
            pos += 1
    # strip leading zeros
    i = pos
    while True:
        if i >= end:
            return positive, b"0", b"0", b"", b""
        if s[i] == ord("0"):
            pos += 1
            i += 1
            continue
        break
    # the numerator
    num = b""
    i = pos
    while True:
        if i >= end:
            return positive, s[0:end], s[pos:end], b"", b""
        if s[i] in _DIGITS:
            i += 1
            continue
        num = s[pos:i]
        pos = i
        break
    if not num:
        num = b"0"
    denom = b""
    if pos < end and s[pos] == ord("."):
        pos += 1
        i = pos
        while True:
            if i >= end:
                return positive, s[0:end], num, s[pos:end], b""
            if s[i] in _DIGITS:
                i += 1
                continue
            denom = s[pos:i]
            pos = i
            break
    value = s[0:pos]
    # the suffix: letters, then an optional sign and digits
    suffix_start = pos
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:end]
        if s[i] not in _SUFFIX_CHARS:
            pos = i
            break
        i += 1
    if pos < end and s[pos] in (ord("-"), ord("+")):
        pos += 1
    i = pos
    while True:
        if i >= end:
            return positive, value, num, denom, s[suffix_start:end]
        if s[i] in _DIGITS:
            i += 1
            continue
        break
    raise _QuantityError(ERR_FORMAT_WRONG)


def _interpret(suffix: bytes) -> tuple[int, int, str] | None:
    """suffixHandler.interpret: (base, exponent, format) or None."""
    if suffix in _DECIMAL_SI:
        return 10, _DECIMAL_SI[suffix], "DecimalSI"
    if suffix in _BINARY_SI:
        return 2, _BINARY_SI[suffix], "BinarySI"
    if len(suffix) > 1 and suffix[:1] in (b"E", b"e"):
        parsed = _go_parse_int(suffix[1:])
        if parsed is None:
            return None
        return 10, _int32(parsed), "DecimalExponent"
    return None


def _inf_dec_scans(value: bytes) -> bool:
    """inf.Dec.SetString on the numeric part: one optional leading sign, digits with at
    most one '.', at least one digit, and nothing left over."""
    digits = 0
    dot = False
    for index, char in enumerate(value):
        if char in (ord("+"), ord("-")):
            if index != 0:
                return False
        elif char == ord("."):
            if dot:
                return False
            dot = True
        elif char in _DIGITS:
            digits += 1
        else:
            return False
    return digits > 0


def quantity_problem(text: str) -> str | None:
    """``resource.ParseQuantity(text)``'s error message, or None when it parses."""
    s = text.encode()
    if not s:
        return ERR_FORMAT_WRONG
    if s == b"0":
        return None
    try:
        positive, value, num, denom, suffix = _parse_quantity_string(s)
    except _QuantityError as exc:
        return str(exc)
    interpreted = _interpret(suffix)
    if interpreted is None:
        return ERR_SUFFIX
    _base, exponent, fmt = interpreted
    precision = 0
    scale = 0
    mantissa = 1
    if fmt in ("DecimalExponent", "DecimalSI"):
        scale = exponent
        precision = _MAX_INT64_FACTORS - (len(num) + len(denom))
    elif exponent >= 0 and not denom:  # BinarySI fast path
        mantissa = 1 << exponent
        precision = 15 - len(num) - int(exponent * 3 / 10) - 1
    else:
        precision = -1
    if precision >= 0:
        scale -= len(denom)
        if scale >= _NANO:
            shifted = _go_parse_int(num + denom)
            if shifted is None:
                return ERR_NUMERIC
            if _INT64_MIN <= shifted * mantissa <= _INT64_MAX:
                return None  # the int64 fast path always succeeds from here
    del positive  # the sign does not affect validity
    return None if _inf_dec_scans(value) else ERR_NUMERIC


def is_quantity(text: str) -> bool:
    return quantity_problem(text) is None


def json_quantity_problem(value: object) -> str | None:
    """What the API server says of a Quantity field holding ``value`` once the object is
    JSON: ``Quantity.UnmarshalJSON`` trims spaces, numbers arrive as their text."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None  # a wrong JSON type is the schema check's to report
    return quantity_problem(str(value).strip())


NEGATIVE_ERR = "must be greater than or equal to 0"


def json_quantity_value_problem(value: object) -> str | None:
    """A Quantity field's verdict as the API server gives it for the objects stackctl
    renders: it parses (json_quantity_problem), and it is not negative. Validation refuses
    a negative quantity in every resource field (ValidateNonnegativeQuantity: requests,
    limits, quotas; emptyDir's sizeLimit, claims' storage)."""
    problem = json_quantity_problem(value)
    if problem is None and str(value).strip().startswith("-") and not re.fullmatch(
            r"-0*\.?0*([eE][-+]?[0-9]+|[a-zA-Z]+)?", str(value).strip()):
        return NEGATIVE_ERR
    return problem


# --- names ----------------------------------------------------------------------------

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL_ERR = ("a lowercase RFC 1123 label must consist of lower case alphanumeric "
                     "characters or '-', and must start and end with an alphanumeric character")
DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + "(\\." + DNS1123_LABEL_FMT + ")*"
DNS1123_SUBDOMAIN_ERR = ("a lowercase RFC 1123 subdomain must consist of lower case "
                         "alphanumeric characters, '-' or '.', and must start and end with an "
                         "alphanumeric character")
DNS1123_SUBDOMAIN_MAX = 253
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
DNS1035_LABEL_ERR = ("a DNS-1035 label must consist of lower case alphanumeric characters "
                     "or '-', start with an alphabetic character, and end with an "
                     "alphanumeric character")
DNS1035_LABEL_MAX = 63
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
QUALIFIED_NAME_ERR = ("must consist of alphanumeric characters, '-', '_' or '.', and must "
                      "start and end with an alphanumeric character")
QUALIFIED_NAME_MAX = 63
LABEL_VALUE_FMT = "(" + QUALIFIED_NAME_FMT + ")?"
LABEL_VALUE_ERR = ("a valid label must be an empty string or consist of alphanumeric "
                   "characters, '-', '_' or '.', and must start and end with an alphanumeric "
                   "character")
LABEL_VALUE_MAX = 63
HELM_RELEASE_MAX = 53  # helm's own limit (pkg/chart/common/util ValidateReleaseName)

_RE_CACHE: dict[str, re.Pattern[str]] = {}


def _matches(fmt: str, value: str) -> bool:
    """Go's ``regexp.MustCompile("^" + fmt + "$").MatchString``: the whole string (Go's
    ``$`` does not match before a trailing newline, so fullmatch, not match + $)."""
    pattern = _RE_CACHE.get(fmt)
    if pattern is None:
        pattern = _RE_CACHE[fmt] = re.compile(fmt, re.ASCII)
    return pattern.fullmatch(value) is not None


def _len(value: str) -> int:
    return len(value.encode())  # Go's len(): bytes


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    # exactly Go's loop: "'a', " then " or 'b', " (hence Kubernetes' double space)
    text = msg + " (e.g. "
    for index, example in enumerate(examples):
        if index > 0:
            text += " or "
        text += f"'{example}', "
    return text + f"regex used for validation is '{fmt}')"


EMPTY_ERROR = "must be non-empty"


def dns1123_label_problems(value: str) -> list[str]:
    errs = []
    if _len(value) > DNS1123_LABEL_MAX:
        errs.append(max_len_error(DNS1123_LABEL_MAX))
    if not _matches(DNS1123_LABEL_FMT, value):
        if _matches(DNS1123_SUBDOMAIN_FMT, value):
            errs.append("must not contain dots")
        else:
            errs.append(regex_error(DNS1123_LABEL_ERR, DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


def dns1123_subdomain_problems(value: str) -> list[str]:
    errs = []
    if _len(value) > DNS1123_SUBDOMAIN_MAX:
        errs.append(max_len_error(DNS1123_SUBDOMAIN_MAX))
    if not _matches(DNS1123_SUBDOMAIN_FMT, value):
        errs.append(regex_error(DNS1123_SUBDOMAIN_ERR, DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


def dns1035_label_problems(value: str) -> list[str]:
    errs = []
    if _len(value) > DNS1035_LABEL_MAX:
        errs.append(max_len_error(DNS1035_LABEL_MAX))
    if not _matches(DNS1035_LABEL_FMT, value):
        errs.append(regex_error(DNS1035_LABEL_ERR, DNS1035_LABEL_FMT, "my-name", "abc-123"))
    return errs


def qualified_name_problems(value: str) -> list[str]:
    """IsQualifiedName: ``[prefix/]name``, the prefix a DNS subdomain (label keys)."""
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part " + EMPTY_ERROR)
        else:
            errs += ["prefix part " + msg for msg in dns1123_subdomain_problems(prefix)]
    else:
        return ["a qualified name " + regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT,
                                                  "MyName", "my.name", "123-abc")
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part " + EMPTY_ERROR)
    elif _len(name) > QUALIFIED_NAME_MAX:
        errs.append("name part " + max_len_error(QUALIFIED_NAME_MAX))
    if not _matches(QUALIFIED_NAME_FMT, name):
        errs.append("name part " + regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT,
                                               "MyName", "my.name", "123-abc"))
    return errs


def label_value_problems(value: str) -> list[str]:
    errs = []
    if _len(value) > LABEL_VALUE_MAX:
        errs.append(max_len_error(LABEL_VALUE_MAX))
    if not _matches(LABEL_VALUE_FMT, value):
        errs.append(regex_error(LABEL_VALUE_ERR, LABEL_VALUE_FMT, "MyValue", "my_value",
                                "12345"))
    return errs


def port_name_problems(value: str) -> list[str]:
    """IsValidPortName (an IANA_SVC_NAME): container port names."""
    errs = []
    if _len(value) > 15:
        errs.append(max_len_error(15))
    if not re.fullmatch("[-a-z0-9]+", value, re.ASCII):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not re.search("[a-z]", value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def path_segment_name_problems(value: str) -> list[str]:
    """IsValidPathSegmentName: the names of RBAC objects."""
    for illegal in (".", ".."):
        if value == illegal:
            return [f"may not be '{illegal}'"]
    return [f"may not contain '{bad}'" for bad in ("/", "%") if bad in value]


def release_name_problems(value: str) -> list[str]:
    """helm's release-name rule: a DNS-1123 subdomain of at most 53 characters."""
    errs = dns1123_subdomain_problems(value)
    if _len(value) > HELM_RELEASE_MAX and max_len_error(DNS1123_SUBDOMAIN_MAX) not in errs:
        errs.insert(0, max_len_error(HELM_RELEASE_MAX))
    return errs
