"""Shared fixtures. ``mini_repo`` is a small stack repository (two subcharts + umbrella)
written into tmp_path, so tooling tests do not depend on the real charts' details."""

import json
import shutil
import sys
import textwrap
from pathlib import Path

import pytest

# Allow `pytest` from a checkout without an editable install.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

ALPHA_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "global": {"type": "object", "description": "global: shared values"},
        "enabled": {"type": "boolean", "description": "enabled: installed by the parent"},
        # helm passes every dependency its values under its name, a library chart too
        "gamma": {"type": "object", "description": "gamma: values of the gamma library"},
        "replicaCount": {"type": "integer", "minimum": 1, "maximum": 7,
                         "description": "replicaCount: number of pods"},
        "image": {
            "type": "object", "additionalProperties": False,
            "properties": {
                "repository": {"type": "string", "description": "image.repository: image name"},
                "tag": {"type": "string", "pattern": "^[0-9.]+$",
                        "description": "image.tag: image tag"},
                "pullPolicy": {"enum": ["Always", "IfNotPresent"],
                               "description": "image.pullPolicy: when to pull"},
            },
        },
        "ports": {"type": "array", "items": {"type": "integer"}, "minItems": 1,
                  "description": "ports: service ports"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "labels: extra labels"},
        "note": {"type": ["string", "null"], "description": "note: optional note"},
        "constraints": {"type": "array", "description": "constraints: complete list items",
                        "items": {"type": "object", "required": ["key", "value"]}},
        "config": {"type": "object", "description": "config: free-form settings",
                   "additionalProperties": {"type": ["string", "integer"],
                                            "pattern": "^[^\\n]*$"},
                   "propertyNames": {"pattern": "^[a-z.]+$"}},
    },
}

ALPHA_VALUES = """\
# replicaCount: number of pods
replicaCount: 1
# image: what to run
image:
  repository: nginx
  tag: "1.0"
  pullPolicy: IfNotPresent
# ports: service ports
ports: [80, 81]
# labels: extra labels
labels: {}
# note: optional note
note: hello
"""

ALPHA_CONFIGMAP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-alpha
  labels:
    {{- include "gamma.labels" . | nindent 4 }}
    {{- range $k, $v := .Values.labels }}
    {{ $k }}: {{ $v | quote }}
    {{- end }}
data:
  replicas: {{ .Values.replicaCount | quote }}
  image: "{{ .Values.image.repository }}:{{ .Values.image.tag }}"
  ports: {{ join "," .Values.ports | quote }}
  note: {{ .Values.note | default "none" | quote }}
"""

ALPHA_SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-alpha
  namespace: {{ .Release.Namespace }}
spec:
  selector:
    app: alpha
  ports:
    {{- range .Values.ports }}
    - name: p{{ . }}
      port: {{ . }}
    {{- end }}
"""

BETA_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "global": {"type": "object"},
        "enabled": {"type": "boolean"},
        "message": {"type": "string", "minLength": 1, "description": "message: greeting"},
    },
}

STACK_SCHEMA = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "global": {"type": "object"},
        "team": {"type": "string", "description": "team: owner"},
        "alpha": {"type": "object"},
        "beta": {"type": "object"},
    },
}

STACK_CHART = """\
apiVersion: v2
name: stack
version: 0.1.0
dependencies:
  - name: alpha
    version: 0.1.0
    repository: file://../alpha
    condition: alpha.enabled
  - name: beta
    version: 0.1.0
    repository: file://../beta
    condition: beta.enabled
"""


def _chart(name: str) -> str:
    return f"apiVersion: v2\nname: {name}\nversion: 0.1.0\nappVersion: '1.0'\n"


# gamma: a library chart (like charts/common) that alpha uses through file://../gamma;
# alpha's ConfigMap renders its named template, so a stack render needs the library
# packaged inside alpha's package.
ALPHA_CHART = _chart("alpha") + """\
dependencies:
  - name: gamma
    version: 0.1.0
    repository: file://../gamma
"""
GAMMA_CHART = "apiVersion: v2\nname: gamma\nversion: 0.1.0\ntype: library\n"
GAMMA_LABELS = """\
{{- define "gamma.labels" -}}
managed-by: {{ .Release.Service | quote }}
{{- end -}}
"""


def write_mini_repo(root: Path) -> Path:
    files = {
        "charts/alpha/Chart.yaml": ALPHA_CHART,
        "charts/gamma/Chart.yaml": GAMMA_CHART,
        "charts/gamma/templates/_labels.tpl": GAMMA_LABELS,
        "charts/alpha/values.yaml": ALPHA_VALUES,
        "charts/alpha/values.schema.json": json.dumps(ALPHA_SCHEMA, indent=2),
        "charts/alpha/templates/configmap.yaml": ALPHA_CONFIGMAP,
        "charts/alpha/templates/service.yaml": ALPHA_SERVICE,
        "charts/alpha/README.md": "# alpha\n\n<!-- values:start -->\n<!-- values:end -->\n",
        "charts/beta/Chart.yaml": _chart("beta"),
        "charts/beta/values.yaml": "# message: greeting\nmessage: hi\n",
        "charts/beta/values.schema.json": json.dumps(BETA_SCHEMA, indent=2),
        "charts/beta/templates/configmap.yaml": textwrap.dedent("""\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-beta
            data:
              message: {{ .Values.message | quote }}
            """),
        "charts/stack/Chart.yaml": STACK_CHART,
        "charts/stack/values.yaml": "team: core\nalpha:\n  enabled: true\nbeta:\n  enabled: true\n",
        "charts/stack/values.schema.json": json.dumps(STACK_SCHEMA, indent=2),
        "charts/stack/templates/configmap.yaml": textwrap.dedent("""\
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-team
            data:
              team: {{ .Values.team | quote }}
            """),
        "charts/stack/environments/dev.yaml": (
            "alpha:\n  replicaCount: 1\nbeta:\n  enabled: false\n"),
        "charts/stack/environments/prod.yaml": textwrap.dedent("""\
            team: platform
            alpha:
              replicaCount: 3
              ports: [443]
              labels:
                tier: prod
            """),
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


@pytest.fixture(scope="session")
def _packaged_mini_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from stackctl import deps
    from stackctl.repo import Repo

    root = write_mini_repo(tmp_path_factory.mktemp("template") / "repo")
    deps.ensure(Repo(root))  # package the subcharts once per session
    return root


@pytest.fixture
def mini_repo(tmp_path: Path, _packaged_mini_repo: Path) -> Path:
    """A fresh small stack repository (subcharts already packaged); tests may edit it."""
    return Path(shutil.copytree(_packaged_mini_repo, tmp_path / "repo", symlinks=True))
