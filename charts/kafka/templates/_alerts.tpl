{{/*
Helpers of the brokers' PrometheusRule (templates/prometheusrule.yaml, files/prometheus-rules.yaml).
*/}}

{{/*
kafka.alerts.selector: the PromQL label matchers of this release's brokers: their namespace
and pod names. Every scrape (ServiceMonitor, PodMonitor, annotation-based) adds both, and
neither depends on the job name that metrics.serviceMonitor.jobLabel can change.
*/}}
{{- define "kafka.alerts.selector" -}}
namespace="{{ .Release.Namespace }}", pod=~"{{ include "kafka.fullname" . }}-[0-9]+"
{{- end -}}

{{/*
kafka.alerts.volumeSelector: the kubelet volume stats matchers of the brokers' claims
(data-<fullname>-<ordinal>, from kafka.volumeClaimTemplates).
*/}}
{{- define "kafka.alerts.volumeSelector" -}}
namespace="{{ .Release.Namespace }}", persistentvolumeclaim=~"data-{{ include "kafka.fullname" . }}-[0-9]+"
{{- end -}}

{{/*
kafka.alerts.certManager: "true" when the chart has cert-manager issue the brokers'
certificate (templates/certificate.yaml), whose expiry cert-manager exports.
*/}}
{{- define "kafka.alerts.certManager" -}}
{{- if and (include "kafka.tlsEnabled" .) .Values.tls.certManager.issuerRef.name (not .Values.tls.existingSecret) -}}
true
{{- end -}}
{{- end -}}

{{/*
kafka.alerts.runbookUrl: the chart README's alerts section, where each alert has an anchor.
*/}}
{{- define "kafka.alerts.runbookUrl" -}}
{{- include "common.alerts.runbookUrl" (dict "base" .Values.metrics.prometheusRule.runbookBaseUrl "chart" "kafka") -}}
{{- end -}}
