"""Checks of rendered objects: the strict Kubernetes JSON schemas, then the API server's
own rules the schemas cannot express (quantities, names, labels; see kuberules).

The rule checks find the fields to check from the schemas' definitions
(``io.k8s.apimachinery.pkg.api.resource.Quantity``, ``ObjectMeta``, ``Container``, ...)
by walking each object along its schema, never from a hand-written list of paths. A bad
string that appears as a value in a values source is blamed on that file and key too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from . import kuberules
from .kubeschema import KubeSchemas
from .manifests import Obj, source_path
from .problems import Problem
from .repo import Repo
from .sources import Source, find_value

QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
LABEL_SELECTOR = "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"
CONTAINER = "io.k8s.api.core.v1.Container"
EPHEMERAL_CONTAINER = "io.k8s.api.core.v1.EphemeralContainer"
CONTAINER_PORT = "io.k8s.api.core.v1.ContainerPort"
SERVICE_PORT = "io.k8s.api.core.v1.ServicePort"
SERVICE_SPEC = "io.k8s.api.core.v1.ServiceSpec"
VOLUME = "io.k8s.api.core.v1.Volume"
CHECKED_TYPES = frozenset({QUANTITY, OBJECT_META, LABEL_SELECTOR, CONTAINER,
                           EPHEMERAL_CONTAINER, CONTAINER_PORT, SERVICE_PORT, SERVICE_SPEC,
                           VOLUME})
TOTAL_ANNOTATION_SIZE = 256 * (1 << 10)  # apimachinery TotalAnnotationSizeLimitB

Rule = Callable[[str], list[str]]
_RBAC_KINDS = {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}


def name_rule(kind: str) -> tuple[str, Rule]:
    """The rule Kubernetes applies to ``metadata.name`` of ``kind``."""
    if kind == "Service":
        return "DNS-1035 label", kuberules.dns1035_label_problems
    if kind in ("Namespace", "StatefulSet"):
        return "DNS-1123 label", kuberules.dns1123_label_problems
    if kind in _RBAC_KINDS:
        return "path segment", kuberules.path_segment_name_problems
    return "DNS-1123 subdomain", kuberules.dns1123_subdomain_problems


def _dotted(path: Sequence[str | int]) -> str:
    return ".".join(str(p) for p in path)


def schema_problems(repo: Repo, objs: Sequence[Obj], version: str,
                    schemas: KubeSchemas) -> list[Problem]:
    """Every violation of the strict schema of ``version``, at template and object path."""
    found = []
    for obj in objs:
        for path, reason in schemas.errors(obj.data, version):
            key = f"{obj.ref}.{path}" if path else obj.ref
            found.append(Problem(source_path(repo, obj.source), key, reason))
    return found


def _labels(mapping: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...],
                                                                       str, list[str]]]:
    if not isinstance(mapping, dict):
        return
    for key, value in mapping.items():
        errs = kuberules.qualified_name_problems(str(key))
        if errs:
            yield (*path, key), str(key), errs
        if isinstance(value, str):
            errs = kuberules.label_value_problems(value)
            if errs:
                yield (*path, key), value, errs


def _findings(obj: Obj, version: str, schemas: KubeSchemas
              ) -> Iterator[tuple[tuple[str | int, ...], str, list[str]]]:
    """(object path, offending text, Kubernetes' messages) for one object."""
    for type_name, path, value in schemas.typed_values(obj.data, version, CHECKED_TYPES):
        if type_name == QUANTITY:
            problem = kuberules.json_quantity_value_problem(value)
            if problem:
                yield path, str(value), [problem]
            continue
        if not isinstance(value, dict):
            continue
        name = value.get("name")
        if type_name == OBJECT_META:
            if path == ("metadata",) and isinstance(name, str):
                errs = name_rule(obj.kind)[1](name)
                if errs:
                    yield (*path, "name"), name, errs
            namespace = value.get("namespace")
            if path == ("metadata",) and isinstance(namespace, str) and namespace:
                errs = kuberules.dns1123_label_problems(namespace)
                if errs:
                    yield (*path, "namespace"), namespace, errs
            yield from _labels(value.get("labels"), (*path, "labels"))
            annotations = value.get("annotations")
            if isinstance(annotations, dict):
                size = 0
                for key, text in annotations.items():
                    size += len(str(key)) + len(str(text))
                    errs = kuberules.qualified_name_problems(str(key).lower())
                    if errs:
                        yield (*path, "annotations", key), str(key), errs
                if size > TOTAL_ANNOTATION_SIZE:
                    yield ((*path, "annotations"), "",
                           [f"must have at most {TOTAL_ANNOTATION_SIZE} bytes"])
        elif type_name == LABEL_SELECTOR:
            yield from _labels(value.get("matchLabels"), (*path, "matchLabels"))
            for index, expr in enumerate(value.get("matchExpressions") or []):
                key = expr.get("key") if isinstance(expr, dict) else None
                if isinstance(key, str):
                    errs = kuberules.qualified_name_problems(key)
                    if errs:
                        yield (*path, "matchExpressions", index, "key"), key, errs
        elif type_name == SERVICE_SPEC:
            yield from _labels(value.get("selector"), (*path, "selector"))
        elif isinstance(name, str) and (name or type_name in (CONTAINER, EPHEMERAL_CONTAINER,
                                                               VOLUME)):
            rule = (kuberules.port_name_problems if type_name == CONTAINER_PORT
                    else kuberules.dns1123_label_problems)
            errs = rule(name)
            if errs:
                yield (*path, "name"), name, errs


def rule_problems(repo: Repo, objs: Sequence[Obj], version: str, schemas: KubeSchemas,
                  sources: Sequence[Source] = (), *,
                  reported_namespace: str | None = None) -> list[Problem]:
    """What the API server would refuse beyond the schema: bad quantities, names, labels.

    ``reported_namespace``: a bad ``--namespace`` already reported as such, not again for
    every object helm put into it.
    """
    found = []
    for obj in objs:
        for path, text, errs in _findings(obj, version, schemas):
            if path == ("metadata", "namespace") and text == reported_namespace:
                continue
            where = f"{obj.ref}.{_dotted(path)}"
            reason = f"invalid value {text!r}: {'; '.join(errs)}"
            origin = find_value(sources, text) if text else None
            if origin:
                found.append(Problem(origin[0], origin[1], f"{reason} (rendered at {where})"))
            else:
                found.append(Problem(source_path(repo, obj.source), where, reason))
    return found


def object_problems(repo: Repo, objs: Sequence[Obj], version: str, schemas: KubeSchemas,
                    sources: Sequence[Source] = ()) -> list[Problem]:
    """Both checks; what the test helper applies to every object a test renders."""
    return schema_problems(repo, objs, version, schemas) + rule_problems(
        repo, objs, version, schemas, sources)
