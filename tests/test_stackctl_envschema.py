"""The yamale schema of environment files is generated from values.schema.json and agrees
with it: every sample is accepted or rejected by both, for every construct the charts use."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yamale

from conftest import ALPHA_SCHEMA
from stackctl import envs
from stackctl.problems import Problem
from stackctl.repo import Repo
from stackctl.yamlio import load_yaml_file

REPO = Path(__file__).resolve().parents[1]

# (sample alpha values, whether values.schema.json accepts it)
SAMPLES: list[tuple[dict[str, Any], bool]] = [
    ({"replicaCount": 3}, True),
    ({"replicaCount": 0}, False),
    ({"replicaCount": 8}, False),
    ({"replicaCount": "3"}, False),
    ({"replicaCount": True}, False),
    ({"image": {"tag": "1.2"}}, True),
    ({"image": {"tag": "latest"}}, False),
    ({"image": {"tga": "1.2"}}, False),
    ({"image": {"pullPolicy": "Never"}}, False),
    ({"image": {"pullPolicy": "Always"}}, True),
    ({"ports": [1, 2]}, True),
    ({"ports": []}, False),
    ({"ports": ["http"]}, False),
    ({"labels": {"a": "b"}}, True),
    ({"labels": {"a": 1}}, False),
    ({"note": None}, True),
    ({"note": 5}, False),
    ({"enabled": False, "global": {"x": 1}}, True),
    ({"replicas": 1}, False),
    ({"constraints": [{"key": "a", "value": 1, "extra": True}]}, True),
    ({"constraints": [{"key": "a"}]}, False),
    ({"constraints": [{}]}, False),
    ({"config": {"log.dirs": "/x", "retention": 5}}, True),
    ({"config": {"Bad_Key": "x"}}, False),
    ({"config": {"a": "two\nlines"}}, False),
    ({"config": {"a": 1.5}}, False),
]


def _yamale_accepts(schema: Any, data: dict[str, Any]) -> bool:
    try:
        yamale.validate(schema, [(data, "sample")], strict=True)
    except yamale.YamaleError:
        return False
    return True


@pytest.mark.parametrize(("sample", "valid"), SAMPLES, ids=[json.dumps(s) for s, _ in SAMPLES])
def test_generated_yamale_schema_agrees_with_json_schema(mini_repo: Path, sample: dict,
                                                         valid: bool) -> None:
    assert jsonschema.Draft7Validator(ALPHA_SCHEMA).is_valid(sample) is valid
    schema = envs.env_schema(Repo(mini_repo))
    assert _yamale_accepts(schema, {"alpha": sample}) is valid


def test_schema_change_reaches_env_checks_without_editing_anything_else(mini_repo: Path) -> None:
    path = mini_repo / "charts/alpha/values.schema.json"
    schema = json.loads(path.read_text())
    schema["properties"]["replicaCount"]["maximum"] = 2
    path.write_text(json.dumps(schema))
    problems = envs.check_values_file(Repo(mini_repo),
                                      mini_repo / "charts/stack/environments/prod.yaml")
    assert problems == [Problem("charts/stack/environments/prod.yaml", "alpha.replicaCount",
                                "3 is greater than 2")]


def test_refs_are_followed(mini_repo: Path) -> None:
    path = mini_repo / "charts/beta/values.schema.json"
    schema = json.loads(path.read_text())
    schema["definitions"] = {"port": {"type": "integer", "maximum": 65535}}
    schema["properties"]["port"] = {"$ref": "#/definitions/port"}
    path.write_text(json.dumps(schema))
    repo = Repo(mini_repo)
    assert not _yamale_accepts(envs.env_schema(repo), {"beta": {"port": 70000}})
    assert _yamale_accepts(envs.env_schema(repo), {"beta": {"port": 8080}})


# ---- the real charts ------------------------------------------------------------------

REAL = Repo(REPO) if (REPO / "charts/stack/Chart.yaml").exists() else None


def _chart_defaults() -> list[tuple[str, dict[str, Any]]]:
    if REAL is None:
        return []
    return [(dep.name, load_yaml_file(dep.path / "values.yaml") or {})
            for dep in REAL.dependencies() if (dep.path / "values.yaml").is_file()]


@pytest.mark.parametrize(("name", "defaults"), _chart_defaults(),
                         ids=[n for n, _ in _chart_defaults()])
def test_real_subchart_defaults_pass_the_generated_schema(name: str, defaults: dict) -> None:
    """Every default key and type of the subchart is known to the env-file schema."""
    assert REAL is not None
    schema = envs.env_schema(REAL)
    yamale.validate(schema, [({name: copy.deepcopy(defaults)}, f"charts/{name}/values.yaml")],
                    strict=True)


@pytest.mark.parametrize("env", REAL.environments() if REAL else [])
def test_real_environment_files_pass_the_generated_schema(env: str) -> None:
    assert REAL is not None
    assert envs.check_values_file(REAL, REAL.env_file(env)) == []
