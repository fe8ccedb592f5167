{{/*
zookeeper.name: the chart name, or nameOverride. Used in app.kubernetes.io/name.
*/}}
{{- define "zookeeper.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
zookeeper.fullname: the prefix of every object name (helm create logic): fullnameOverride,
else the release name when it already contains the chart name, else "<release>-<name>".
Truncated to 63 characters (DNS label).
*/}}
{{- define "zookeeper.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
zookeeper.chart: "<chart>-<version>" for the helm.sh/chart label.
*/}}
{{- define "zookeeper.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
zookeeper.selectorLabels: the stable label subset used by every selector (StatefulSet,
Services, PDB, anti-affinity, topology spread). Never add mutable labels here: StatefulSet
selectors are immutable.
*/}}
{{- define "zookeeper.selectorLabels" -}}
app.kubernetes.io/name: {{ include "zookeeper.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: zookeeper
{{- end }}

{{/*
zookeeper.labels: the full label set of every object, plus commonLabels.
*/}}
{{- define "zookeeper.labels" -}}
{{ include "zookeeper.selectorLabels" . }}
{{ include "zookeeper.metaLabels" . }}
{{- end }}

{{/*
zookeeper.metaLabels: the labels that are not selector labels (version, chart, ...), plus
commonLabels. The helm test pod uses these with its own component so that no selector of
the chart (Services, PDB) ever matches it.
*/}}
{{- define "zookeeper.metaLabels" -}}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: {{ include "zookeeper.name" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "zookeeper.chart" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
zookeeper.serviceAccountName: the created account "<fullname>" (or serviceAccount.name),
or serviceAccount.name / "default" when the chart does not create one.
*/}}
{{- define "zookeeper.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "zookeeper.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
zookeeper.headlessServiceName: the headless Service that gives each server its DNS name
"<fullname>-<i>.<headless>.<namespace>.svc.<clusterDomain>"; service.headless.name wins.
*/}}
{{- define "zookeeper.headlessServiceName" -}}
{{- default (printf "%s-headless" (include "zookeeper.fullname" .)) .Values.service.headless.name | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
zookeeper.image: "<registry>/<repository>@<digest>" or "<registry>/<repository>:<tag>".
global.imageRegistry wins over image.registry; a digest wins over the tag; an empty tag
means the chart's appVersion.
*/}}
{{- define "zookeeper.image" -}}
{{- $registry := .Values.image.registry }}
{{- if and .Values.global .Values.global.imageRegistry }}
{{- $registry = .Values.global.imageRegistry }}
{{- end }}
{{- $repository := .Values.image.repository }}
{{- if $registry }}
{{- $repository = printf "%s/%s" $registry $repository }}
{{- end }}
{{- if .Values.image.digest }}
{{- printf "%s@%s" $repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
zookeeper.scriptsConfigMapName: the ConfigMap holding files/*.sh.
*/}}
{{- define "zookeeper.scriptsConfigMapName" -}}
{{- printf "%s-scripts" (include "zookeeper.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
zookeeper.pdbBudget: the PodDisruptionBudget spec fields. pdb.minAvailable or
pdb.maxUnavailable when set; otherwise maxUnavailable = replicas - quorum, where
quorum = replicas/2 + 1, and at least 1 so that a drain can always make progress
(1 replica: 1, 2: 1, 3: 1, 4: 1, 5: 2, 7: 3).
*/}}
{{- define "zookeeper.pdbBudget" -}}
{{- $min := toString .Values.pdb.minAvailable }}
{{- $max := toString .Values.pdb.maxUnavailable }}
{{- if $min }}
minAvailable: {{ regexMatch "^[0-9]+$" $min | ternary ($min | atoi) $min }}
{{- else if $max }}
maxUnavailable: {{ regexMatch "^[0-9]+$" $max | ternary ($max | atoi) $max }}
{{- else }}
{{- $replicas := int .Values.replicaCount }}
{{- $quorum := add (div $replicas 2) 1 }}
maxUnavailable: {{ max 1 (sub $replicas $quorum) }}
{{- end }}
{{- end }}

{{/*
zookeeper.validate: fail at render time for combinations that cannot work.
*/}}
{{- define "zookeeper.validate" -}}
{{- $words := .Values.fourLetterWordsWhitelist }}
{{- if not (or (has "*" $words) (and (has "ruok" $words) (has "srvr" $words))) }}
{{- fail "fourLetterWordsWhitelist: must contain ruok and srvr (the liveness and readiness probes send them)" }}
{{- end }}
{{- if and (toString .Values.pdb.minAvailable) (toString .Values.pdb.maxUnavailable) }}
{{- fail "pdb: set pdb.minAvailable or pdb.maxUnavailable, not both" }}
{{- end }}
{{- $ports := .Values.service.ports }}
{{- $used := list (int $ports.client) (int $ports.server) (int $ports.election) }}
{{- if .Values.adminServer.enabled }}
{{- $used = append $used (int .Values.adminServer.port) }}
{{- end }}
{{- if ne (len $used) (len (uniq $used)) }}
{{- fail (printf "service.ports / adminServer.port: client (%v), server (%v), election (%v) and admin (%v, when enabled) must be different ports" $ports.client $ports.server $ports.election .Values.adminServer.port) }}
{{- end }}
{{- $heap := include "zookeeper.bytes" .Values.heapSize }}
{{- $limit := "" }}
{{- with .Values.resources }}{{ with .limits }}{{ with .memory }}
{{- $limit = include "zookeeper.bytes" (toString .) }}
{{- end }}{{ end }}{{ end }}
{{- if and $heap $limit (ge (float64 $heap) (float64 $limit)) }}
{{- fail (printf "heapSize %s does not fit in resources.limits.memory %v: the JVM needs memory beyond the heap, the container would be OOM-killed" .Values.heapSize .Values.resources.limits.memory) }}
{{- end }}
{{- $reserved := list "tickTime" "initLimit" "syncLimit" "dataDir" "dataLogDir" "clientPort" "maxClientCnxns" "autopurge.snapRetainCount" "autopurge.purgeInterval" "standaloneEnabled" "quorumListenOnAllIPs" "4lw.commands.whitelist" "admin.enableServer" "admin.serverPort" }}
{{- range $key, $_ := .Values.config }}
{{- if has $key $reserved }}
{{- fail (printf "config.%s: set by the chart from a typed value; use that value instead (see values.yaml)" $key) }}
{{- end }}
{{- if regexMatch "^server\\.[0-9]+$" $key }}
{{- fail (printf "config.%s: the server list is computed from replicaCount and cannot be set" $key) }}
{{- end }}
{{- end }}
{{- end }}

{{/*
zookeeper.extraConfig: the config map as zoo.cfg lines, sorted by key. Whole numbers print
without an exponent (values files give float64: 1000000, not 1e+06).
*/}}
{{- define "zookeeper.extraConfig" -}}
{{- range $key := keys .Values.config | sortAlpha }}
{{- $value := index $.Values.config $key }}
{{- if and (kindIs "float64" $value) (eq $value (float64 (int64 $value))) }}
{{- $value = int64 $value }}
{{- end }}
{{ $key }}={{ $value }}
{{- end }}
{{- end }}

{{/*
zookeeper.storageClass: storageClassName for a claim; "-" means "" (no dynamic
provisioning), empty leaves the field out (cluster default). Call with the storageClass.
*/}}
{{- define "zookeeper.storageClass" -}}
{{- if eq . "-" }}
storageClassName: ""
{{- else if . }}
storageClassName: {{ . | quote }}
{{- end }}
{{- end }}

{{/*
zookeeper.bytes: a JVM size (512M, 1G) or a Kubernetes memory quantity (2Gi, 512Mi,
1000M) in bytes, as a decimal string; empty when the format is not one of these.
*/}}
{{- define "zookeeper.bytes" -}}
{{- $units := dict "" 1 "k" 1000 "K" 1024 "Ki" 1024 "m" 1048576 "M" 1048576 "Mi" 1048576 "g" 1073741824 "G" 1073741824 "Gi" 1073741824 "T" 1099511627776 "Ti" 1099511627776 }}
{{- $match := regexFindAll "^([0-9]+)([kKmMgGT]i?)?$" . 1 }}
{{- if $match }}
{{- $number := regexReplaceAll "^([0-9]+).*$" . "${1}" }}
{{- $unit := regexReplaceAll "^[0-9]+" . "" }}
{{- if hasKey $units $unit }}
{{- mul (int64 $number) (get $units $unit) }}
{{- end }}
{{- end }}
{{- end }}
