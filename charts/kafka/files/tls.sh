#!/bin/bash
# tls.sh: the brokers' TLS files, with what the apache/kafka image has (bash, a JRE's
# keytool, coreutils/busybox; no openssl).
#
#   tls.sh keystore <dir> <out>    write Kafka's PEM keystore <out> (mode 0600): the private
#                                  key of <dir>/tls.key as PKCS#8, then the certificate
#                                  chain of <dir>/tls.crt. Kafka's PEM keystore reads only
#                                  PKCS#8 keys; PKCS#1 RSA keys ("BEGIN RSA PRIVATE KEY",
#                                  what Helm's genSignedCert and cert-manager's default
#                                  write) are wrapped into PKCS#8 here.
#   tls.sh covers <cert> <name>    exit 0 if the first (leaf) certificate of <cert> names
#                                  <name> in its subjectAltName: a DNS entry (a wildcard
#                                  *.x matches one label) or, for an IP address, an IP
#                                  entry; else print its names, exit 1.
#
# Environment: KEYTOOL (default keytool).
set -euo pipefail

die() {
  echo "tls.sh: $*" >&2
  exit 1
}

# The base64 body of the first PEM block of type $1 in file $2, on one line.
pem_body() {
  sed -n "/^-----BEGIN $1-----/,/^-----END $1-----/p" "$2" | sed '/^-----/d' | tr -d ' \r\n'
}

# A DER length as \x escapes (short form below 128, else 0x81/0x82 long form).
der_length() {
  local n=$1
  if ((n < 128)); then
    printf '\\x%02x' "$n"
  elif ((n < 256)); then
    printf '\\x81\\x%02x' "$n"
  elif ((n < 65536)); then
    printf '\\x82\\x%02x\\x%02x' $((n >> 8)) $((n & 255))
  else
    die "key too large ($n bytes)"
  fi
}

# PKCS#1 RSAPrivateKey (base64 DER in $1) to a PKCS#8 PrivateKeyInfo PEM block:
#   SEQUENCE { INTEGER 0, SEQUENCE { OID rsaEncryption, NULL }, OCTET STRING { pkcs1 } }
rsa_to_pkcs8() {
  local body=$1 n octet inner
  n=$(base64 -d <<<"$body" | wc -c)
  octet="\\x04$(der_length "$n")"
  local version='\x02\x01\x00'
  local algorithm='\x30\x0d\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01\x05\x00'
  # 3 + 15 bytes, the octet string's tag and length bytes, the key.
  local octet_len=$(( ${#octet} / 4 ))
  inner=$(( 3 + 15 + octet_len + n ))
  echo "-----BEGIN PRIVATE KEY-----"
  {
    printf '%b' "\\x30$(der_length "$inner")$version$algorithm$octet"
    base64 -d <<<"$body"
  } | base64 | tr -d '\n' | fold -w 64
  echo
  echo "-----END PRIVATE KEY-----"
}

keystore() {
  local dir=$1 out=$2 key cert body
  key="$dir/tls.key"
  cert="$dir/tls.crt"
  [[ -r "$key" ]] || die "cannot read $key"
  [[ -r "$cert" ]] || die "cannot read $cert"
  grep -q -- '-----BEGIN CERTIFICATE-----' "$cert" || die "$cert holds no PEM certificate"
  umask 077
  mkdir -p "$(dirname "$out")"
  local tmp="$out.tmp"
  if grep -q -- '-----BEGIN PRIVATE KEY-----' "$key"; then
    sed -n '/^-----BEGIN PRIVATE KEY-----/,/^-----END PRIVATE KEY-----/p' "$key" >"$tmp"
  elif grep -q -- '-----BEGIN RSA PRIVATE KEY-----' "$key"; then
    body=$(pem_body "RSA PRIVATE KEY" "$key")
    rsa_to_pkcs8 "$body" >"$tmp"
  elif grep -q -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' "$key"; then
    die "$key is encrypted; the chart needs an unencrypted key (PKCS#8 or PKCS#1 RSA)"
  elif grep -q -- '-----BEGIN EC PRIVATE KEY-----' "$key"; then
    die "$key is an EC key in SEC1 form; convert it to PKCS#8 (openssl pkcs8 -topk8 -nocrypt) or use cert-manager's privateKey.encoding: PKCS8"
  else
    die "$key holds no PEM private key"
  fi
  sed -n '/^-----BEGIN CERTIFICATE-----/,/^-----END CERTIFICATE-----/p' "$cert" >>"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$out"
}

# The subjectAltName entries of type $2 (DNSName or IPAddress) of the first certificate
# in $1, one per line.
san_entries() {
  local out
  out=$("${KEYTOOL:-keytool}" -printcert -file "$1" 2>&1) || die "keytool cannot read $1: $out"
  awk '
    /^Certificate\[[0-9]+\]:/ { if (++certs > 1) exit }
    /^Owner:/ { if (++owners > 1) exit }
    /SubjectAlternativeName \[/ { in_san = 1; next }
    in_san && /^\]/ { in_san = 0 }
    in_san && $0 ~ type ":" { sub(".*" type ":[[:space:]]*", ""); print }
  ' type="$2" <<<"$out"
}

covers() {
  local cert=$1 name names n
  name=$(tr '[:upper:]' '[:lower:]' <<<"$2")
  if [[ "$name" =~ ^[0-9]+(\.[0-9]+){3}$ || "$name" == *:* ]]; then
    names=$(san_entries "$cert" IPAddress | tr '[:upper:]' '[:lower:]')
    grep -qxF -- "$name" <<<"$names" && return 0
    echo "tls.sh: the certificate in $cert covers the IP addresses: $(paste -sd' ' <<<"${names:-(none)}")" >&2
    return 1
  fi
  names=$(san_entries "$cert" DNSName | tr '[:upper:]' '[:lower:]')
  while IFS= read -r n; do
    [[ -n "$n" ]] || continue
    [[ "$n" == "$name" ]] && return 0
    if [[ "$n" == "*."* && "$name" == *.* ]]; then
      # One label: "a.b.svc" matches "*.b.svc", "x.a.b.svc" does not.
      [[ "${name#*.}" == "${n#\*.}" && "${name%%.*}" != "" ]] && return 0
    fi
  done <<<"$names"
  echo "tls.sh: the certificate in $cert covers: $(paste -sd' ' <<<"${names:-(no DNS names)}")" >&2
  return 1
}

case "${1:-}" in
  keystore) [[ $# -eq 3 ]] || die "usage: tls.sh keystore <dir> <out>"; keystore "$2" "$3" ;;
  covers) [[ $# -eq 3 ]] || die "usage: tls.sh covers <cert> <name>"; covers "$2" "$3" ;;
  *) die "usage: tls.sh keystore <dir> <out> | covers <cert> <name>" ;;
esac
