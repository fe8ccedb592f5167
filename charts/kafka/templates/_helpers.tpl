{{/*
kafka.name: the chart name, or nameOverride.
*/}}
{{- define "kafka.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
kafka.fullname: fullnameOverride, else the release name if it contains the chart name,
else <release>-<name>; truncated to 63 characters (the helm create logic).
*/}}
{{- define "kafka.fullname" -}}
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
kafka.chart: chart name and version for the helm.sh/chart label.
*/}}
{{- define "kafka.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
kafka.selectorLabels: the stable label subset used by every selector (StatefulSet, Services,
PDB, anti-affinity). Selectors of a StatefulSet are immutable: never add to this.
*/}}
{{- define "kafka.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kafka.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: broker
{{- end -}}

{{/*
kafka.baseLabels: the labels every object shares except the component (helm test pods
use component "test" so that no selector of the brokers matches them).
*/}}
{{- define "kafka.baseLabels" -}}
app.kubernetes.io/name: {{ include "kafka.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | toString | replace "+" "_" | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/part-of: kafka
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ include "kafka.chart" . }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
kafka.labels: the full label set of the broker objects (selector labels included).
*/}}
{{- define "kafka.labels" -}}
{{ include "kafka.baseLabels" . }}
app.kubernetes.io/component: broker
{{- end -}}

{{/*
kafka.serviceAccountName: the ServiceAccount the pods run as.
*/}}
{{- define "kafka.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "kafka.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
kafka.image: registry/repository:tag or @digest. global.imageRegistry wins over
image.registry; a digest wins over the tag.
*/}}
{{- define "kafka.image" -}}
{{- $registry := .Values.image.registry -}}
{{- with .Values.global -}}{{- with .imageRegistry -}}{{- $registry = . -}}{{- end -}}{{- end -}}
{{- $ref := .Values.image.repository -}}
{{- if $registry -}}{{- $ref = printf "%s/%s" $registry $ref -}}{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" $ref .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" $ref (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}
{{- end -}}

{{/*
kafka.headlessServiceName: the headless Service that gives each broker a DNS name.
*/}}
{{- define "kafka.headlessServiceName" -}}
{{- .Values.service.headless.name | default (printf "%s-headless" (include "kafka.fullname" .)) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
kafka.zookeeperServiceName: zookeeper.serviceName, else the zookeeper chart's default
fullname for this release (<release>-zookeeper, or <release> if it contains "zookeeper").
*/}}
{{- define "kafka.zookeeperServiceName" -}}
{{- if .Values.zookeeper.serviceName -}}
{{- .Values.zookeeper.serviceName -}}
{{- else if contains "zookeeper" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-zookeeper" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/*
kafka.zookeeperConnect: the zookeeper.connect string: externalZookeeper.connect, else the
bundled ensemble's client Service; zookeeper.chroot appended in both cases.
*/}}
{{- define "kafka.zookeeperConnect" -}}
{{- $connect := "" -}}
{{- if .Values.externalZookeeper.connect -}}
{{- $connect = .Values.externalZookeeper.connect -}}
{{- else -}}
{{- $connect = printf "%s:%d" (include "kafka.zookeeperServiceName" .) (int .Values.zookeeper.port) -}}
{{- end -}}
{{- with .Values.zookeeper.chroot -}}
{{- if contains "/" $connect -}}
{{- fail (printf "zookeeper.chroot (%s) is set but externalZookeeper.connect (%s) already has a chroot: keep only one" . $connect) -}}
{{- end -}}
{{- $connect = printf "%s%s" $connect . -}}
{{- end -}}
{{- $connect -}}
{{- end -}}

{{/*
kafka.zookeeperSelectorLabels: labels of this release's ZooKeeper pods (the zookeeper
chart's selector labels), or zookeeper.selectorLabels.
*/}}
{{- define "kafka.zookeeperSelectorLabels" -}}
{{- if .Values.zookeeper.selectorLabels -}}
{{- toYaml .Values.zookeeper.selectorLabels -}}
{{- else -}}
app.kubernetes.io/name: zookeeper
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: zookeeper
{{- end -}}
{{- end -}}

{{/*
kafka.propertyValue: a value as written in server.properties. Whole numbers print without
an exponent (values files give float64), backslashes are escaped for java.util.Properties.
*/}}
{{- define "kafka.propertyValue" -}}
{{- $v := . -}}
{{- if kindIs "float64" $v -}}
{{- if eq $v (float64 (int64 $v)) -}}{{- int64 $v -}}{{- else -}}{{- $v -}}{{- end -}}
{{- else -}}
{{- toString $v | replace "\\" "\\\\" -}}
{{- end -}}
{{- end -}}

{{/*
kafka.ownedKeys: server.properties keys the chart's script owns; `config` may not set them.
*/}}
{{- define "kafka.ownedKeys" -}}
broker.id node.id listeners advertised.listeners log.dir log.dirs
{{- end -}}

{{/*
kafka.serverProperties: the merged properties shared by every broker (a dict, as YAML):
chart defaults, replication derived from replicaCount, then `config` on top. Fails for
owned keys and impossible replication settings, naming the value to change.
*/}}
{{- define "kafka.serverProperties" -}}
{{- $n := int .Values.replicaCount -}}
{{- $r := .Values.replication -}}
{{- $rf := min 3 $n -}}
{{- $defaultRF := int (ternary $rf $r.defaultReplicationFactor (kindIs "invalid" $r.defaultReplicationFactor)) -}}
{{- $minIsr := int (ternary (max 1 (sub $defaultRF 1)) $r.minInsyncReplicas (kindIs "invalid" $r.minInsyncReplicas)) -}}
{{- $offsetsRF := int (ternary $rf $r.offsetsTopicReplicationFactor (kindIs "invalid" $r.offsetsTopicReplicationFactor)) -}}
{{- $txnRF := int (ternary $rf $r.transactionStateLogReplicationFactor (kindIs "invalid" $r.transactionStateLogReplicationFactor)) -}}
{{- $txnIsr := int (ternary (min $minIsr $txnRF) $r.transactionStateLogMinIsr (kindIs "invalid" $r.transactionStateLogMinIsr)) -}}
{{- $props := dict
  "zookeeper.connect" (include "kafka.zookeeperConnect" .)
  "default.replication.factor" $defaultRF
  "min.insync.replicas" $minIsr
  "offsets.topic.replication.factor" $offsetsRF
  "transaction.state.log.replication.factor" $txnRF
  "transaction.state.log.min.isr" $txnIsr
  "auto.create.topics.enable" .Values.autoCreateTopicsEnable
  "log.retention.hours" .Values.log.retentionHours
  "log.segment.bytes" .Values.log.segmentBytes
  "log.retention.check.interval.ms" .Values.log.retentionCheckIntervalMs
  "controlled.shutdown.enable" true
-}}
{{- $owned := splitList " " (include "kafka.ownedKeys" .) -}}
{{- range $key, $value := .Values.config -}}
{{- if has $key $owned -}}
{{- fail (printf "config.%s is owned by the chart (computed per pod by its script) and cannot be set in config; the owned keys are: %s" $key (join ", " $owned)) -}}
{{- end -}}
{{- if or (contains "\n" $key) (contains "\n" (toString $value)) -}}
{{- fail (printf "config.%s: keys and values of server.properties must be single lines" $key) -}}
{{- end -}}
{{- $_ := set $props $key $value -}}
{{- end -}}
{{- /* Check the effective values, naming where each came from. */ -}}
{{- $sources := dict
  "default.replication.factor" "replication.defaultReplicationFactor"
  "min.insync.replicas" "replication.minInsyncReplicas"
  "offsets.topic.replication.factor" "replication.offsetsTopicReplicationFactor"
  "transaction.state.log.replication.factor" "replication.transactionStateLogReplicationFactor"
  "transaction.state.log.min.isr" "replication.transactionStateLogMinIsr"
-}}
{{- range $key, $source := $sources -}}
{{- if hasKey $.Values.config $key -}}{{- $_ := set $sources $key (printf "config.%s" $key) -}}{{- end -}}
{{- $v := get $props $key | toString -}}
{{- if not (regexMatch "^[0-9]+$" $v) -}}
{{- fail (printf "%s (%s) must be a positive whole number" (get $sources $key) $v) -}}
{{- end -}}
{{- end -}}
{{- $eff := dict -}}
{{- range $key, $_ := $sources -}}{{- $_ := set $eff $key (atoi (get $props $key | toString)) -}}{{- end -}}
{{- range $key := list "default.replication.factor" "offsets.topic.replication.factor" "transaction.state.log.replication.factor" -}}
{{- $v := get $eff $key -}}
{{- if lt $v 1 -}}
{{- fail (printf "%s (%d) must be at least 1" (get $sources $key) $v) -}}
{{- end -}}
{{- if gt $v $n -}}
{{- fail (printf "%s (%d) is above replicaCount (%d): Kafka cannot place more replicas than brokers; lower it or raise replicaCount" (get $sources $key) $v $n) -}}
{{- end -}}
{{- end -}}
{{- range $pair := list (list "min.insync.replicas" "default.replication.factor") (list "transaction.state.log.min.isr" "transaction.state.log.replication.factor") -}}
{{- $isr := get $eff (index $pair 0) -}}
{{- $rfv := get $eff (index $pair 1) -}}
{{- if lt $isr 1 -}}
{{- fail (printf "%s (%d) must be at least 1" (get $sources (index $pair 0)) $isr) -}}
{{- end -}}
{{- if gt $isr $rfv -}}
{{- fail (printf "%s (%d) is above %s (%d): acks=all writes could never succeed" (get $sources (index $pair 0)) $isr (get $sources (index $pair 1)) $rfv) -}}
{{- end -}}
{{- end -}}
{{- toYaml $props -}}
{{- end -}}

{{/*
kafka.replicationFactor: the effective default.replication.factor (used by helm test).
*/}}
{{- define "kafka.replicationFactor" -}}
{{- $props := include "kafka.serverProperties" . | fromYaml -}}
{{- get $props "default.replication.factor" -}}
{{- end -}}

{{/*
kafka.checks: render-time checks that are not about server.properties.
*/}}
{{- define "kafka.checks" -}}
{{- if and .Values.pdb.create (not (kindIs "invalid" .Values.pdb.minAvailable)) (not (kindIs "string" .Values.pdb.minAvailable)) -}}
{{- if ge (int .Values.pdb.minAvailable) (int .Values.replicaCount) -}}
{{- fail (printf "pdb.minAvailable (%d) must be below replicaCount (%d), or no broker could ever be drained; use pdb.maxUnavailable" (int .Values.pdb.minAvailable) (int .Values.replicaCount)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
