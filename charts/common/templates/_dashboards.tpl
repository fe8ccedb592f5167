{{/*
common.dashboards.configMap: a chart's Grafana dashboards (files/dashboards/*.json, as they
are: Grafana's own {{pod}} legends are not Helm templates) in one ConfigMap
<fullname>-dashboards, with metrics.dashboards.labels ({grafana_dashboard: "1"} by
default: the label the Grafana sidecar of kube-prometheus-stack and the grafana chart
watch for), given (dict "ctx" . "labels" <the chart's labels>).
*/}}
{{- define "common.dashboards.configMap" -}}
{{- $ctx := .ctx -}}
{{- $d := $ctx.Values.metrics.dashboards -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "common.names.fullname" $ctx }}-dashboards
  namespace: {{ $d.namespace | default $ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
    {{- with $d.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $d.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
data:
  {{- range $path, $_ := $ctx.Files.Glob "files/dashboards/*.json" }}
  {{ base $path }}: |-
    {{- $ctx.Files.Get $path | nindent 4 }}
  {{- end }}
{{- end -}}
