{{/*
Names. Every helper takes the calling chart's context (.) and reads the value shapes both
charts share: nameOverride, fullnameOverride, service.headless.name, serviceAccount.*.
*/}}

{{/*
common.names.name: the chart name, or nameOverride (app.kubernetes.io/name).
*/}}
{{- define "common.names.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
common.names.fullname: the prefix of every object name, the `helm create` logic:
fullnameOverride; else the release name when it already contains the chart name; else
"<release>-<name>". Truncated to 63 characters (a DNS label).
*/}}
{{- define "common.names.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
common.names.chart: "<chart>-<version>" for the helm.sh/chart label.
*/}}
{{- define "common.names.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
common.names.headless: the headless Service that gives each pod its DNS name
"<fullname>-<i>.<headless>.<namespace>.svc.<clusterDomain>"; service.headless.name wins.
*/}}
{{- define "common.names.headless" -}}
{{- default (printf "%s-headless" (include "common.names.fullname" .)) .Values.service.headless.name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
common.names.serviceAccount: the created account (serviceAccount.name or "<fullname>"),
or serviceAccount.name / "default" when the chart does not create one.
*/}}
{{- define "common.names.serviceAccount" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "common.names.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
common.names.valuesPrefix: where the chart's values sit for the user: "" for the chart on
its own, "kafka." inside the stack umbrella. Taken from the template path, so aliases and
deeper nesting work too. Every render-time problem names its key with this prefix.
*/}}
{{- define "common.names.valuesPrefix" -}}
{{- range rest (splitList "/charts/" (trimSuffix "/templates" .Template.BasePath)) -}}{{ . }}.{{- end -}}
{{- end -}}

{{/*
common.names.topChart: the chart helm was asked to install ("stack" inside the umbrella,
the chart itself when installed alone). It names the application: app.kubernetes.io/part-of.
*/}}
{{- define "common.names.topChart" -}}
{{- first (splitList "/" .Template.BasePath) -}}
{{- end -}}
