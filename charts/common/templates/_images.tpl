{{/*
common.image: "<registry>/<repository>@<digest>" or "<registry>/<repository>:<tag>" from
.Values.image. global.imageRegistry wins over image.registry; a digest wins over the tag;
an empty tag means the chart's appVersion. Takes the chart's context.
*/}}
{{- define "common.image" -}}
{{- $image := .Values.image -}}
{{- $registry := $image.registry -}}
{{- with .Values.global -}}{{- with .imageRegistry -}}{{- $registry = . -}}{{- end -}}{{- end -}}
{{- $ref := $image.repository -}}
{{- if $registry -}}{{- $ref = printf "%s/%s" $registry $ref -}}{{- end -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $ref $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref ($image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{/*
common.imagePullSecrets: the pod spec's imagePullSecrets from .Values.imagePullSecrets (a
list of Secret names), or nothing. Indent it where it is included.
*/}}
{{- define "common.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
{{- range . }}
  - name: {{ . | quote }}
{{- end }}
{{- end -}}
{{- end -}}
