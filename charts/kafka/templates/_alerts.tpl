{{/*
Helpers of the brokers' PrometheusRule (templates/prometheusrule.yaml, files/prometheus-rules.yaml).
*/}}

{{/*
kafka.alerts.selector / kafka.alerts.controllerSelector / kafka.alerts.volumeSelector: the
PromQL matchers of this release's brokers, of the pods that report the controller's metrics
(the KRaft controllers' own, else the brokers) and of the brokers' claims (data-<fullname>-<ordinal>, from kafka.volumeClaimTemplates);
common.alerts.* says why these labels.
*/}}
{{- define "kafka.alerts.selector" -}}{{ include "common.alerts.podSelector" . }}{{- end -}}
{{- define "kafka.alerts.controllerSelector" -}}
{{- if include "kafka.alerts.controllerPods" . -}}
namespace="{{ .Release.Namespace }}", pod=~"{{ include "kafka.controllerFullname" . }}-[0-9]+"
{{- else -}}
{{ include "kafka.alerts.selector" . }}
{{- end -}}
{{- end -}}

{{/*
kafka.alerts.controllerPods: "true" when the controller's metrics come from pods of their
own (KRaft's dedicated controllers), so kafka.alerts.controllerSelector matches those.
*/}}
{{- define "kafka.alerts.controllerPods" -}}
{{- if and .Values.kraft.enabled (not .Values.kraft.combined) }}true{{ end -}}
{{- end -}}
{{- define "kafka.alerts.volumeSelector" -}}
{{- if include "kafka.alerts.controllerPods" . -}}
{{- /* the controllers' claims too: data-<fullname>-controller-<ordinal> */ -}}
namespace="{{ .Release.Namespace }}", persistentvolumeclaim=~"data-{{ include "kafka.fullname" . }}(-controller)?-[0-9]+"
{{- else -}}
{{ include "common.alerts.volumeSelector" (dict "ctx" . "claims" "data") }}
{{- end -}}
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
