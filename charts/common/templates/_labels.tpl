{{/*
Labels. Both helpers take (dict "ctx" . "component" "<component>"); the standard set also an
optional "version" (what runs, when the chart picks the image tag itself).

Selector labels are the stable subset every selector uses (StatefulSet, Services, PDB,
anti-affinity, topology spread): a StatefulSet's selector can never change, so nothing
that changes with a version or a setting belongs there.
*/}}

{{/*
common.labels.selector: app.kubernetes.io/name, instance and component.
*/}}
{{- define "common.labels.selector" -}}
app.kubernetes.io/name: {{ include "common.names.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/*
common.labels.standard: the selector labels plus
  app.kubernetes.io/version   the version of the software that runs: image.tag, else the
                              chart's appVersion (what a digest-pinned image should be)
  app.kubernetes.io/part-of   the application: the chart helm installs ("stack" for the
                              umbrella, the chart's own name when installed alone)
  app.kubernetes.io/managed-by, helm.sh/chart, and commonLabels (never on selectors).
*/}}
{{- define "common.labels.standard" -}}
{{ include "common.labels.selector" . }}
app.kubernetes.io/version: {{ include "common.labels.version" (dict "Values" (dict "image" (dict "tag" (.version | default .ctx.Values.image.tag))) "Chart" .ctx.Chart) | quote }}
app.kubernetes.io/part-of: {{ include "common.names.topChart" .ctx }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ include "common.names.chart" .ctx }}
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
common.labels.version: image.tag (else appVersion) as a valid label value.
*/}}
{{- define "common.labels.version" -}}
{{- .Values.image.tag | default .Chart.AppVersion | toString | replace "+" "_" | trunc 63 | trimSuffix "-" | trimSuffix "_" | trimSuffix "." -}}
{{- end -}}
