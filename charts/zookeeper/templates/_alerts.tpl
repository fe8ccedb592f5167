{{/*
Helpers of the ensemble's PrometheusRule (templates/prometheusrule.yaml, files/prometheus-rules.yaml).
*/}}

{{/*
zookeeper.alerts.selector / zookeeper.alerts.volumeSelector: the PromQL matchers of this
release's servers and of their claims (data- and datalog-<fullname>-<ordinal>, from
zookeeper.volumeClaimTemplates); common.alerts.* says why these labels.
*/}}
{{- define "zookeeper.alerts.selector" -}}{{ include "common.alerts.podSelector" . }}{{- end -}}
{{- define "zookeeper.alerts.volumeSelector" -}}{{ include "common.alerts.volumeSelector" (dict "ctx" . "claims" "(data|datalog)") }}{{- end -}}

{{/*
zookeeper.alerts.runbookUrl: the chart README's alerts section, where each alert has an anchor.
*/}}
{{- define "zookeeper.alerts.runbookUrl" -}}
{{- include "common.alerts.runbookUrl" (dict "base" .Values.metrics.prometheusRule.runbookBaseUrl "chart" "zookeeper") -}}
{{- end -}}
