{{/*
Prometheus metrics pieces shared by the kafka and zookeeper charts (values metrics.*, README
"Metrics"). Each chart says where its metrics come from (the JMX exporter javaagent, the
ZooKeeper provider) and whether they are on; the Service, ServiceMonitor and PodMonitor
are built here the same way for both, from the chart's selector labels, so they select
exactly the pods the StatefulSet labels.

The metrics Service carries one label no other Service of the chart has
(common.metrics.serviceLabel): a ServiceMonitor selects it alone, never the client or
headless Service (whose ports have no /metrics). Every helper takes
(dict "ctx" . "on" <metrics on> "onKey" <the value that turns them on>
      "selector" <selector labels YAML> "labels" <standard labels YAML>).
*/}}

{{/*
common.metrics.serviceLabel: the label (YAML) only the metrics Service has,
"<chart>.chart/metrics: "true"" (the charts' own prefix, as kafka.chart/tls-names).
*/}}
{{- define "common.metrics.serviceLabel" -}}
{{ .ctx.Chart.Name }}.chart/metrics: "true"
{{- end -}}

{{/*
common.metrics.name: <fullname>-metrics, the name of the metrics Service, ServiceMonitor,
PodMonitor and the kafka chart's exporter ConfigMap; with "component" (the kafka chart's
KRaft controllers) <fullname>-<component>-metrics, the objects of that component's pods.
*/}}
{{- define "common.metrics.name" -}}
{{- $base := include "common.names.fullname" .ctx -}}
{{- with .component }}{{ $base = printf "%s-%s" $base . }}{{ end -}}
{{- printf "%s-metrics" $base | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
common.metrics.problems: metrics values that cannot work, "key.path: reason" lines:
an object that scrapes, alerts on or charts metrics that are off, and a ServiceMonitor
together with a PodMonitor (every series twice, which also doubles every alert).
*/}}
{{- define "common.metrics.problems" -}}
{{- $p := include "common.names.valuesPrefix" .ctx -}}
{{- $m := .ctx.Values.metrics -}}
{{- $why := dict "serviceMonitor" "nothing to scrape" "podMonitor" "nothing to scrape" "prometheusRule" "its alerts would read series that do not exist, and an absent series never fires" "dashboards" "their panels would stay empty" -}}
{{- range $key := list "serviceMonitor" "podMonitor" "prometheusRule" "dashboards" }}
{{- if and (index $m $key).enabled (not $.on) }}
{{ $p }}metrics.{{ $key }}.enabled: needs {{ $p }}{{ $.onKey }}=true ({{ get $why $key }} while the metrics are off)
{{- end }}
{{- end }}
{{- range $key := list "serviceMonitor" "podMonitor" }}
{{- $v := index $m $key }}
{{- if and $v.enabled $v.interval $v.scrapeTimeout (gt (int (include "common.metrics.durationMs" $v.scrapeTimeout)) (int (include "common.metrics.durationMs" $v.interval))) }}
{{ $p }}metrics.{{ $key }}.scrapeTimeout: {{ $v.scrapeTimeout }} is longer than {{ $p }}metrics.{{ $key }}.interval ({{ $v.interval }}): Prometheus refuses such a scrape configuration; keep the timeout at or below the interval
{{- end }}
{{- end }}
{{- if and $m.serviceMonitor.enabled $m.podMonitor.enabled }}
{{ $p }}metrics.serviceMonitor.enabled: set together with {{ $p }}metrics.podMonitor.enabled: every pod would be scraped twice (duplicate series, every alert twice); keep one
{{- end }}
{{- end -}}

{{/*
common.metrics.durationMs: a Prometheus duration (1h30m, 15s, 500ms; the schema checks the
form) in milliseconds.
*/}}
{{- define "common.metrics.durationMs" -}}
{{- $unit := dict "y" 31536000000 "w" 604800000 "d" 86400000 "h" 3600000 "m" 60000 "s" 1000 "ms" 1 -}}
{{- $total := 0 -}}
{{- range regexFindAll "[0-9]+(ms|[ywdhms])" . -1 -}}
{{- $u := regexFind "(ms|[ywdhms])$" . -}}
{{- $total = add $total (mul (trimSuffix $u . | int64) (get $unit $u)) -}}
{{- end -}}
{{- $total -}}
{{- end -}}

{{/*
common.metrics.service: the ClusterIP Service <fullname>-metrics on the pods' metrics port.
publishNotReadyAddresses: a pod that is not ready (a broker catching up, a ZooKeeper
server without quorum) is the one whose metrics matter most, so its address stays an
endpoint for anything that scrapes through the Service.
*/}}
{{- define "common.metrics.service" -}}
{{- $m := .ctx.Values.metrics -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "common.metrics.name" . }}
  namespace: {{ .ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
    {{- include "common.metrics.serviceLabel" . | nindent 4 }}
    {{- with $m.service.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $m.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: ClusterIP
  publishNotReadyAddresses: true
  ports:
    - name: metrics
      port: {{ $m.service.port }}
      targetPort: metrics
      protocol: TCP
  selector:
    {{- .selector | nindent 4 }}
{{- end -}}

{{/*
common.metrics.monitor: the ServiceMonitor or PodMonitor, given the common dict plus
"kind" ("ServiceMonitor" | "PodMonitor"). A ServiceMonitor selects the metrics Service
(selector labels + common.metrics.serviceLabel), a PodMonitor the pods (selector labels,
port metrics); both look in the release's namespace only, wherever the object itself
lives. The operator labels every series with namespace, pod and container (and service
for a ServiceMonitor): the chart's alerts and dashboards group by pod.
*/}}
{{- define "common.metrics.monitor" -}}
{{- $key := ternary "serviceMonitor" "podMonitor" (eq .kind "ServiceMonitor") -}}
{{- $v := index .ctx.Values.metrics $key -}}
apiVersion: monitoring.coreos.com/v1
kind: {{ .kind }}
metadata:
  name: {{ include "common.metrics.name" . }}
  namespace: {{ $v.namespace | default .ctx.Release.Namespace }}
  labels:
    {{- .labels | nindent 4 }}
    {{- with $v.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
  {{- with $v.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $v.jobLabel }}
  jobLabel: {{ . }}
  {{- end }}
  namespaceSelector:
    matchNames:
      - {{ .ctx.Release.Namespace }}
  selector:
    matchLabels:
      {{- .selector | nindent 6 }}
      {{- if eq .kind "ServiceMonitor" }}
      {{- include "common.metrics.serviceLabel" . | nindent 6 }}
      {{- end }}
  {{ ternary "endpoints" "podMetricsEndpoints" (eq .kind "ServiceMonitor") }}:
    - port: metrics
      path: /metrics
      scheme: http
      {{- with $v.interval }}
      interval: {{ . }}
      {{- end }}
      {{- with $v.scrapeTimeout }}
      scrapeTimeout: {{ . }}
      {{- end }}
      honorLabels: {{ $v.honorLabels }}
      {{- with $v.relabelings }}
      relabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $v.metricRelabelings }}
      metricRelabelings:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end -}}

{{/*
common.metrics.networkPolicyRule: the ingress rule of the metrics port (a number, see
_networkpolicy.tpl), given (dict "port" <port> "values" <networkPolicy values>): the
sources selected by networkPolicy.metrics.ingressNSMatchLabels/ingressNSPodMatchLabels
(common.networkPolicy.selectedPeers), any source when both are empty, so that turning
the metrics on breaks no Prometheus, wherever it runs.
*/}}
{{- define "common.metrics.networkPolicyRule" -}}
{{- $sel := .values.metrics | default dict -}}
{{- $peers := include "common.networkPolicy.selectedPeers" $sel -}}
{{- include "common.networkPolicy.rule" (dict "ports" (list .port) "direction" "from" "peers" $peers "any" (not (trim $peers))) -}}
{{- end -}}

{{/*
common.metrics.notes: the NOTES.txt lines about the metrics, given the common dict plus
"port" (the container port) and "what" (their source); nothing while they are off.
*/}}
{{- define "common.metrics.notes" -}}
{{- if .on }}
{{- $m := .ctx.Values.metrics }}
{{- $name := include "common.metrics.name" . }}

Prometheus metrics ({{ .what }}) on port {{ .port }} of every pod, behind Service
  {{ $name }}.{{ .ctx.Release.Namespace }}.svc.{{ .ctx.Values.clusterDomain }}:{{ $m.service.port }}
{{- range $kind, $key := dict "ServiceMonitor" "serviceMonitor" "PodMonitor" "podMonitor" }}
{{- $v := index $m $key }}
{{- if $v.enabled }}
Scraped through {{ $kind }} {{ $name }} in namespace {{ $v.namespace | default $.ctx.Release.Namespace }}
(your Prometheus must select its labels and that namespace).
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
