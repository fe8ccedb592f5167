{{/*
common.probe: a container probe from its values, the same way in every chart:
(dict "name" "readinessProbe" "probe" .Values.readinessProbe "handler" (dict "exec" ...))
renders "<name>:" with the handler and the probe's timing fields in a fixed order;
nothing when the probe is disabled. Indent it where it is included.
*/}}
{{- define "common.probe" -}}
{{- if .probe.enabled -}}
{{ .name }}:
  {{- toYaml .handler | nindent 2 }}
  {{- range $field := list "initialDelaySeconds" "periodSeconds" "timeoutSeconds" "failureThreshold" "successThreshold" }}
  {{- if hasKey $.probe $field }}
  {{ $field }}: {{ index $.probe $field }}
  {{- end }}
  {{- end }}
{{- end -}}
{{- end -}}
