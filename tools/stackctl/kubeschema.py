"""Strict Kubernetes JSON schemas (offline, from the kubernetes-validate package), cached.

kubernetes_validate.validate() reads and compiles the 1.5 MB definitions file on every
call; validating every object of every environment against nine versions would spend
minutes there. This module loads each version's definitions once and keeps one compiled
validator per (version, apiVersion, kind).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

from .errors import UsageError

DEFAULT_VERSIONS = tuple(f"1.{minor}" for minor in range(29, 38))


def _schema_root() -> Path:
    return Path(str(resources.files("kubernetes_validate") / "kubernetes-json-schema"))


def available_versions() -> list[str]:
    found = []
    for entry in _schema_root().iterdir():
        match = re.fullmatch(r"v(\d+)\.(\d+)\.0-local-strict", entry.name)
        if match:
            found.append((int(match[1]), int(match[2])))
    return [f"{a}.{b}" for a, b in sorted(found)]


def parse_versions(text: str) -> list[str]:
    """``1.29,1.30`` or ``1.29-1.37`` (or both) → normalized ``major.minor`` list."""
    known = available_versions()
    wanted: list[str] = []
    for part in (p.strip() for p in text.split(",") if p.strip()):
        if "-" in part:
            low, high = (normalize(x) for x in part.split("-", 1))
            if low not in known or high not in known:
                raise UsageError(f"--kube-versions {part}: outside the known range "
                                 f"{known[0]}-{known[-1]}")
            wanted += known[known.index(low): known.index(high) + 1]
        else:
            version = normalize(part)
            if version not in known:
                raise UsageError(
                    f"--kube-versions {part}: no schemas for Kubernetes {version} "
                    f"(known: {known[0]}-{known[-1]})"
                )
            wanted.append(version)
    if not wanted:
        raise UsageError("--kube-versions: empty list")
    return list(dict.fromkeys(wanted))


def normalize(version: str) -> str:
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", version.strip())
    if not match:
        raise UsageError(f"{version!r}: not a Kubernetes version like 1.35")
    return f"{int(match[1])}.{int(match[2])}"


def _api_file_part(api_version: str) -> str:
    # rbac.authorization.k8s.io/v1 -> rbac-v1 ; v1 -> v1 (kubernetes_validate's naming)
    return re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)


Path_ = tuple[str | int, ...]


@dataclass
class KubeSchemas:
    """Compiled strict validators, loaded lazily and kept for the life of the object."""

    _definitions: dict[str, dict[str, Any]] = field(default_factory=dict)
    _registries: dict[str, Registry] = field(default_factory=dict)
    _schemas: dict[tuple[str, str, str], dict[str, Any] | None] = field(default_factory=dict)
    _validators: dict[tuple[str, str, str], Any] = field(default_factory=dict)

    def _dir(self, version: str) -> Path:
        return _schema_root() / f"v{version}.0-local-strict"

    def definitions(self, version: str) -> dict[str, Any]:
        """The ``$defs`` of one version's ``_definitions.json``."""
        if version not in self._definitions:
            self._definitions[version] = json.loads(
                (self._dir(version) / "_definitions.json").read_text())
        return self._definitions[version]

    def _registry(self, version: str) -> Registry:
        if version not in self._registries:
            resource: Resource[Any] = Resource.from_contents(self.definitions(version))
            self._registries[version] = resource @ Registry()
        return self._registries[version]

    def schema(self, version: str, api_version: str, kind: str) -> dict[str, Any] | None:
        """The strict schema of one kind, or None when this version does not serve it."""
        key = (version, api_version, kind)
        if key not in self._schemas:
            path = self._dir(version) / f"{kind.lower()}-{_api_file_part(api_version)}.json"
            self._schemas[key] = json.loads(path.read_text()) if path.is_file() else None
        return self._schemas[key]

    def validator(self, version: str, api_version: str, kind: str) -> Any:
        key = (version, api_version, kind)
        if key not in self._validators:
            schema = self.schema(version, api_version, kind)
            if schema is None:
                self._validators[key] = None
            else:
                resource: Resource[Any] = Resource.from_contents(schema)
                registry = resource @ self._registry(version)
                self._validators[key] = jsonschema.Draft202012Validator(schema, registry=registry)
        return self._validators[key]

    def typed_values(self, obj: dict[str, Any], version: str,
                     types: frozenset[str]) -> Iterator[tuple[str, Path_, Any]]:
        """(definition name, path, value) for every part of ``obj`` whose schema is one of
        ``types`` (e.g. ``io.k8s.apimachinery.pkg.api.resource.Quantity``), found by
        walking the object along its strict schema, so no field path is listed by hand."""
        schema = self.schema(version, str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
        if schema is None:
            return
        defs = self.definitions(version).get("$defs", {})
        seen: set[tuple[str, Path_]] = set()
        for found in _walk(schema, obj, (), defs, types):
            if (found[0], found[1]) not in seen:
                seen.add((found[0], found[1]))
                yield found

    def errors(self, obj: dict[str, Any], version: str) -> list[tuple[str, str]]:
        """(key.path, reason) for every violation of ``obj`` in Kubernetes ``version``."""
        api_version = str(obj.get("apiVersion", ""))
        kind = str(obj.get("kind", ""))
        if not api_version or not kind:
            return [("", "apiVersion and kind are required")]
        validator = self.validator(version, api_version, kind)
        if validator is None:
            reason = f"{api_version} {kind} is not served by this Kubernetes version"
            return [("apiVersion", reason)]
        found = []
        for error in validator.iter_errors(obj):
            path = ".".join(str(p) for p in error.absolute_path)
            found.append((path, error.message))
        return sorted(found)


def _walk(node: Any, data: Any, path: Path_, defs: dict[str, Any],
          types: frozenset[str]) -> Iterator[tuple[str, Path_, Any]]:
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rsplit("/", 1)[-1]
        if name in types:
            yield name, path, data
        yield from _walk(defs.get(name), data, path, defs, types)
    for combinator in ("allOf", "anyOf", "oneOf"):
        for alternative in node.get(combinator) or ():
            yield from _walk(alternative, data, path, defs, types)
    if isinstance(data, dict):
        props = node.get("properties") or {}
        extra = node.get("additionalProperties")
        for key, value in data.items():
            sub = props.get(key, extra if isinstance(extra, dict) else None)
            if sub is not None:
                yield from _walk(sub, value, (*path, key), defs, types)
    elif isinstance(data, list) and isinstance(node.get("items"), dict):
        for index, value in enumerate(data):
            yield from _walk(node["items"], value, (*path, index), defs, types)


@functools.cache
def shared_schemas() -> KubeSchemas:
    """One cache per process: the schema files are immutable package data."""
    return KubeSchemas()
