{{/*
The charts' PrometheusRule: the alert groups a chart ships (files/prometheus-rules.yaml,
rendered with tpl), less metrics.prometheusRule.disabled, plus
metrics.prometheusRule.additionalGroups.
*/}}

{{/*
common.prometheusRule.groups: the spec.groups list as YAML, given (dict "groups" <the
chart's groups, parsed> "disabled" <map AlertName: true> "additional" <list of groups>).
A disabled alert is left out; a group left without rules is left out too (Prometheus
refuses an empty group). The additional groups follow, as given.
*/}}
{{- define "common.prometheusRule.groups" -}}
{{- $out := list -}}
{{- range .groups -}}
{{- $rules := list -}}
{{- range .rules -}}
{{- if not (and .alert (get $.disabled .alert)) -}}
{{- $rules = append $rules . -}}
{{- end -}}
{{- end -}}
{{- if $rules -}}
{{- $out = append $out (merge (dict "rules" $rules) (omit . "rules")) -}}
{{- end -}}
{{- end -}}
{{- toYaml (concat $out (.additional | default list)) -}}
{{- end -}}

{{/*
common.prometheusRule.problems: "key.path: reason" lines for names in
metrics.prometheusRule.disabled that are no alert of the chart, given (dict "groups" <the
chart's groups, parsed> "disabled" <map> "optional" <alert names rendered only with some
values> "prefix" <values prefix>). A disabled value of false is fine (the alert stays).
*/}}
{{- define "common.prometheusRule.problems" -}}
{{- $known := .optional | default list -}}
{{- range .groups -}}{{- range .rules -}}{{- if .alert -}}{{- $known = append $known .alert -}}{{- end -}}{{- end -}}{{- end -}}
{{- range $name, $_ := .disabled -}}
{{- if not (has $name $known) }}
{{ $.prefix }}metrics.prometheusRule.disabled.{{ $name }}: no alert of the chart has that name; its alerts: {{ $known | uniq | sortAlpha | join ", " }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
common.alerts.podSelector: the PromQL label matchers of the release's StatefulSet pods, given
the chart's context: their namespace and pod names (<fullname>-<ordinal>). Every scrape
(ServiceMonitor, PodMonitor, annotation-based) adds both, and neither depends on the job
name that metrics.serviceMonitor.jobLabel can change.
*/}}
{{- define "common.alerts.podSelector" -}}
namespace="{{ .Release.Namespace }}", pod=~"{{ include "common.names.fullname" . }}-[0-9]+"
{{- end -}}

{{/*
common.alerts.volumeSelector: the kubelet volume stats matchers of the pods' claims, given
(dict "ctx" . "claims" <the claim templates' names as a regex, e.g. "data" or
"(data|datalog)">): <claim>-<fullname>-<ordinal> in the release's namespace.
*/}}
{{- define "common.alerts.volumeSelector" -}}
namespace="{{ .ctx.Release.Namespace }}", persistentvolumeclaim=~"{{ .claims }}-{{ include "common.names.fullname" .ctx }}-[0-9]+"
{{- end -}}

{{/*
common.alerts.runbookUrl: where an alert's runbook_url points, before its "#anchor", given
(dict "base" <metrics.prometheusRule.runbookBaseUrl> "chart" <chart directory name>): the
chart README's URL when set, else its path in the repository (charts/<chart>/README.md,
also what helm show readme prints).
*/}}
{{- define "common.alerts.runbookUrl" -}}
{{- .base | default (printf "charts/%s/README.md" .chart) -}}
{{- end -}}

{{/*
common.prometheusRule: the whole PrometheusRule of a chart, given (dict "ctx" . "labels"
<the chart's labels> "optional" <alert names rendered only with some values>). Its rules
are the chart's files/prometheus-rules.yaml rendered with tpl, less and plus
metrics.prometheusRule.disabled and .additionalGroups; a name in disabled that is no alert
of the chart fails the render.
*/}}
{{- define "common.prometheusRule" -}}
{{- $ctx := .ctx -}}
{{- $pr := $ctx.Values.metrics.prometheusRule -}}
{{- $groups := (tpl ($ctx.Files.Get "files/prometheus-rules.yaml") $ctx | fromYaml).groups -}}
{{- include "common.fail" (include "common.prometheusRule.problems" (dict "groups" $groups "disabled" $pr.disabled "optional" .optional "prefix" (include "common.names.valuesPrefix" $ctx))) -}}
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata:
  name: {{ include "common.names.fullname" $ctx }}
  namespace: {{ $pr.namespace | default $ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
    {{- with $pr.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $pr.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  groups:
    {{- include "common.prometheusRule.groups" (dict "groups" $groups "disabled" $pr.disabled "additional" $pr.additionalGroups) | nindent 4 }}
{{- end -}}
