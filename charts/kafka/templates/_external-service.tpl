{{/*
kafka.external.serviceSpec: the spec fields every external Service shares (type, the
load-balancer and traffic settings), given (dict "ctx" . "nodePort" <port or "">
"loadBalancerIP" <ip or "">). Ports and selector are the caller's.
*/}}
{{- define "kafka.external.serviceSpec" -}}
{{- $svc := .ctx.Values.externalAccess.service -}}
type: {{ $svc.type }}
{{- if ne $svc.type "ClusterIP" }}
externalTrafficPolicy: {{ $svc.externalTrafficPolicy }}
{{- end }}
{{- if eq $svc.type "LoadBalancer" }}
{{- with .loadBalancerIP }}
loadBalancerIP: {{ . }}
{{- end }}
{{- with $svc.loadBalancerClass }}
loadBalancerClass: {{ . }}
{{- end }}
{{- with $svc.loadBalancerSourceRanges }}
loadBalancerSourceRanges:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
ports:
  - name: tcp-external
    port: {{ $svc.port }}
    targetPort: tcp-external
    protocol: TCP
    {{- if and (ne $svc.type "ClusterIP") .nodePort }}
    nodePort: {{ .nodePort }}
    {{- end }}
{{- end -}}

{{/*
kafka.external.labels: the labels of the external Services: the chart's, then
externalAccess.service.labels.
*/}}
{{- define "kafka.external.labels" -}}
{{- $labels := include "kafka.labels" . | fromYaml -}}
{{- toYaml (merge (dict) .Values.externalAccess.service.labels $labels) -}}
{{- end -}}
