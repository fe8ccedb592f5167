#!/bin/sh
# Usage: require-python.sh [--quiet] PYTHON
# Exits 0 when PYTHON runs and is Python >= 3.11 (what pyproject.toml requires); otherwise
# says why (unless --quiet) and exits 1. The Makefile runs it before creating .venv, and
# on .venv/bin/python to recreate a venv left by an older or since-removed interpreter.
quiet=
if [ "$1" = --quiet ]; then quiet=1; shift; fi
py=${1:-python3}
say() { [ -n "$quiet" ] || echo "make: Python >= 3.11 is required ($1); use PYTHON=python3.11" >&2; }
version=$("$py" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])' 2>/dev/null)
case $version in
  [0-9]*.[0-9]*.[0-9]*) ;;
  *) say "$py does not run"; exit 1 ;;
esac
major=${version%%.*}
rest=${version#*.}
minor=${rest%%.*}
if [ "$major" -lt 3 ] || { [ "$major" -eq 3 ] && [ "$minor" -lt 11 ]; }; then
  say "$py is $version"
  exit 1
fi
