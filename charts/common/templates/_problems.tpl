{{/*
Render-time problems and warnings. A problem is one line "<key.path>: <reason>", where the
key path is the value as the user writes it, with the chart's values prefix ("kafka."
inside the stack); stackctl turns each line into "<file that set it>: <key.path>: <reason>".
A chart collects every problem first and fails once, so a user sees all of them at once.
*/}}

{{/*
common.fail: fail the render with the problem lines of a string (one per line, empty lines
ignored); nothing when there is none. Usage:
  {{- include "common.fail" (include "kafka.problems" .) }}
*/}}
{{- define "common.fail" -}}
{{- $lines := list -}}
{{- range splitList "\n" . -}}{{- if trim . -}}{{- $lines = append $lines (trim .) -}}{{- end -}}{{- end -}}
{{- if $lines -}}
{{- fail (join "\n" $lines) -}}
{{- end -}}
{{- end -}}

{{/*
common.warnings: the warning lines of a string as YAML comments "# WARNING: <key>: <reason>"
in the rendered manifest, where helm template, helm install --dry-run and stackctl validate
show them (NOTES.txt repeats them after an install). Put it at the top of a template. Each
line ends with its own newline, so the object that follows starts on a line of its own
even after a trimming "-}}" (a warning once swallowed the StatefulSet's apiVersion line).
*/}}
{{- define "common.warnings" -}}
{{- range splitList "\n" . -}}
{{- if trim . -}}
# WARNING: {{ trim . }}
{{ end -}}
{{- end -}}
{{- end -}}

{{/*
common.check.heap: the problem line when a JVM heap does not fit in the container's
memory limit, given (dict "heap" "1G" "heapKey" "kafka.heapSize"
"limit" <resources.limits.memory or nil> "limitKey" "kafka.resources.limits.memory").
The heap is read with JVM units, the limit with Kubernetes units. No limit: no check.
*/}}
{{- define "common.check.heap" -}}
{{- if and .heap .limit -}}
{{- $heap := include "common.bytes.jvm" .heap -}}
{{- $limit := include "common.bytes.quantity" .limit -}}
{{- if and $heap $limit (ge (float64 $heap) (float64 $limit)) -}}
{{ .heapKey }}: {{ .heap }} ({{ $heap }} bytes: the JVM reads M as 2^20, G as 2^30) does not fit in {{ .limitKey }} {{ .limit }} ({{ $limit }} bytes: Kubernetes reads M as 10^6, Mi as 2^20); the JVM needs memory beyond its heap and the container would be OOM-killed: keep the heap at about half the limit
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
common.check.pdb: problem lines of a pdb.* block, given (dict "pdb" .Values.pdb
"replicas" <int> "prefix" <values prefix>): both bounds set, or a minAvailable that no
drain could ever satisfy.
*/}}
{{- define "common.check.pdb" -}}
{{- $p := .prefix -}}
{{- if .pdb.create -}}
{{- $min := .pdb.minAvailable -}}
{{- $max := .pdb.maxUnavailable -}}
{{- if and (not (kindIs "invalid" $min)) (not (kindIs "invalid" $max)) }}
{{ $p }}pdb.minAvailable: set {{ $p }}pdb.minAvailable or {{ $p }}pdb.maxUnavailable, not both
{{- else if and (not (kindIs "invalid" $min)) (not (kindIs "string" $min)) (ge (int $min) (int .replicas)) }}
{{ $p }}pdb.minAvailable: {{ $min }} is not below {{ $p }}replicaCount ({{ .replicas }}): no pod could ever be evicted, so every node drain would wait forever; lower it or set {{ $p }}pdb.maxUnavailable
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
common.pdb.budget: the PodDisruptionBudget's bound: pdb.minAvailable or pdb.maxUnavailable
when the user set one (a number or a percentage), else the chart's computed default,
given (dict "pdb" .Values.pdb "default" (dict "maxUnavailable" 1)).
*/}}
{{- define "common.pdb.budget" -}}
{{- $pdb := .pdb -}}
{{- if not (kindIs "invalid" $pdb.minAvailable) -}}
minAvailable: {{ $pdb.minAvailable }}
{{- else if not (kindIs "invalid" $pdb.maxUnavailable) -}}
maxUnavailable: {{ $pdb.maxUnavailable }}
{{- else -}}
{{- toYaml .default -}}
{{- end -}}
{{- end -}}
