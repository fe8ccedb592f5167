{{/*
Helpers of the ensemble's PrometheusRule (templates/prometheusrule.yaml, files/prometheus-rules.yaml).
*/}}

{{/*
zookeeper.alerts.selector: the PromQL label matchers of this release's servers: their
namespace and pod names. Every scrape (ServiceMonitor, PodMonitor, annotation-based) adds
both, and neither depends on the job name that metrics.serviceMonitor.jobLabel can change.
*/}}
{{- define "zookeeper.alerts.selector" -}}
namespace="{{ .Release.Namespace }}", pod=~"{{ include "zookeeper.fullname" . }}-[0-9]+"
{{- end -}}

{{/*
zookeeper.alerts.volumeSelector: the kubelet volume stats matchers of the servers' claims
(data- and datalog-<fullname>-<ordinal>, from zookeeper.volumeClaimTemplates).
*/}}
{{- define "zookeeper.alerts.volumeSelector" -}}
namespace="{{ .Release.Namespace }}", persistentvolumeclaim=~"(data|datalog)-{{ include "zookeeper.fullname" . }}-[0-9]+"
{{- end -}}

{{/*
zookeeper.alerts.runbookUrl: the chart README's alerts section, where each alert has an anchor.
*/}}
{{- define "zookeeper.alerts.runbookUrl" -}}
{{- include "common.alerts.runbookUrl" (dict "base" .Values.metrics.prometheusRule.runbookBaseUrl "chart" "zookeeper") -}}
{{- end -}}
