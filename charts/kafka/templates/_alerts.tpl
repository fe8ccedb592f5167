{{/*
Helpers of the brokers' PrometheusRule (templates/prometheusrule.yaml, files/prometheus-rules.yaml).
*/}}

{{/*
kafka.alerts.selector / kafka.alerts.volumeSelector: the PromQL matchers of this release's
brokers and of their claims (data-<fullname>-<ordinal>, from kafka.volumeClaimTemplates);
common.alerts.* says why these labels.
*/}}
{{- define "kafka.alerts.selector" -}}{{ include "common.alerts.podSelector" . }}{{- end -}}
{{- define "kafka.alerts.volumeSelector" -}}{{ include "common.alerts.volumeSelector" (dict "ctx" . "claims" "data") }}{{- end -}}

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
