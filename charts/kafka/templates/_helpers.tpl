{{/*
The kafka chart's helpers. Names, labels, image, probes, claims and the upgrade guard come
from the common library chart (charts/common), shared with the zookeeper chart; what
stays here is Kafka's own logic: server.properties, the keys the chart owns, replication
sized to the broker count, and the way to the ZooKeeper ensemble.
*/}}

{{- define "kafka.name" -}}{{ include "common.names.name" . }}{{- end -}}
{{- define "kafka.fullname" -}}{{ include "common.names.fullname" . }}{{- end -}}
{{- define "kafka.headlessServiceName" -}}{{ include "common.names.headless" . }}{{- end -}}
{{- define "kafka.serviceAccountName" -}}{{ include "common.names.serviceAccount" . }}{{- end -}}
{{- define "kafka.image" -}}{{ include "common.image" . }}{{- end -}}

{{/*
kafka.selectorLabels: name, instance and component "broker", used by every selector of the
chart (StatefulSet, Services, PDB, anti-affinity, topology spread). Never add to these:
a StatefulSet's selector is immutable.
*/}}
{{- define "kafka.selectorLabels" -}}
{{ include "common.labels.selector" (dict "ctx" . "component" "broker") }}
{{- end -}}

{{/*
kafka.labels: the standard label set of the broker objects.
*/}}
{{- define "kafka.labels" -}}
{{ include "common.labels.standard" (dict "ctx" . "component" "broker") }}
{{- end -}}

{{/*
kafka.testLabels: the helm test pod's labels: component "test", so that no selector of
the brokers (Services, PDB) matches it.
*/}}
{{- define "kafka.testLabels" -}}
{{ include "common.labels.standard" (dict "ctx" . "component" "test") }}
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
bundled ensemble's client Service; zookeeper.chroot appended in both cases (a connect
string with a chroot of its own plus zookeeper.chroot is a problem, see kafka.problems).
*/}}
{{- define "kafka.zookeeperConnect" -}}
{{- $connect := "" -}}
{{- if .Values.externalZookeeper.connect -}}
{{- $connect = .Values.externalZookeeper.connect -}}
{{- else -}}
{{- $connect = printf "%s:%d" (include "kafka.zookeeperServiceName" .) (int .Values.zookeeper.port) -}}
{{- end -}}
{{- with .Values.zookeeper.chroot -}}
{{- if not (contains "/" $connect) -}}{{- $connect = printf "%s%s" $connect . -}}{{- end -}}
{{- end -}}
{{- $connect -}}
{{- end -}}

{{/*
kafka.zookeeperSelectorLabels: labels that find this release's ZooKeeper pods for
podAffinityPreset: zookeeper.selectorLabels, else the release and the component the
zookeeper chart gives its servers. Not the name label: nameOverride changes it, and a
selector that matches nothing would leave hard-affinity brokers unschedulable. The stack
checks these against the zookeeper chart's own pod labels (stack.wiringChecks).
*/}}
{{- define "kafka.zookeeperSelectorLabels" -}}
{{- if .Values.zookeeper.selectorLabels -}}
{{- toYaml .Values.zookeeper.selectorLabels -}}
{{- else -}}
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
kafka.ownedKeys: the server.properties keys the chart owns, as a YAML map from the key (a
trailing "*" is a prefix) to what sets it. `config` may not set them: a broker's identity,
listeners, security and metadata connection are computed together, and a stray override of
one of them breaks the others (zookeeper.connect in config would point the brokers away
from the ensemble the chart wires up). The security, external-access and KRaft settings of
later versions own their keys already, so no values file starts to depend on them here.
*/}}
{{- define "kafka.ownedKeys" -}}
{{- $identity := "the broker's identity, computed per pod by the chart's script from the pod ordinal and brokerIdOffset" -}}
{{- $listeners := "the listeners, computed per pod by the chart's script from containerPorts (this chart version runs one PLAINTEXT listener)" -}}
{{- $security := "TLS and SASL, which the chart configures together with the listeners (this chart version runs PLAINTEXT only)" -}}
{{- $zk := "the ZooKeeper connection: the bundled ensemble, or externalZookeeper.connect (with the bundled one disabled)" -}}
{{- $zkAuth := "the ZooKeeper client's security, which the chart configures together with the ensemble" -}}
{{- $kraft := "KRaft mode, which this chart version does not run" -}}
broker.id: {{ $identity | quote }}
node.id: {{ $identity | quote }}
listeners: {{ $listeners | quote }}
advertised.listeners: {{ $listeners | quote }}
listener.security.protocol.map: {{ $listeners | quote }}
inter.broker.listener.name: {{ $listeners | quote }}
security.inter.broker.protocol: {{ $listeners | quote }}
control.plane.listener.name: {{ $listeners | quote }}
"listener.name.*": {{ $listeners | quote }}
"sasl.*": {{ $security | quote }}
"ssl.*": {{ $security | quote }}
authorizer.class.name: {{ $security | quote }}
super.users: {{ $security | quote }}
zookeeper.connect: {{ $zk | quote }}
zookeeper.set.acl: {{ $zkAuth | quote }}
zookeeper.clientCnxnSocket: {{ $zkAuth | quote }}
"zookeeper.ssl.*": {{ $zkAuth | quote }}
log.dir: "the data volume: persistence.mountPath"
log.dirs: "the data volume: persistence.mountPath"
process.roles: {{ $kraft | quote }}
controller.listener.names: {{ $kraft | quote }}
controller.quorum.voters: {{ $kraft | quote }}
controller.quorum.bootstrap.servers: {{ $kraft | quote }}
zookeeper.metadata.migration.enable: {{ $kraft | quote }}
{{- end -}}

{{/*
kafka.ownerOf: what owns a server.properties key (see kafka.ownedKeys), or "" when
`config` may set it. Given (dict "key" "ssl.keystore.location" "owned" <the map>).
*/}}
{{- define "kafka.ownerOf" -}}
{{- $key := .key -}}
{{- range $k, $why := .owned -}}
{{- if or (eq $k $key) (and (hasSuffix "*" $k) (hasPrefix (trimSuffix "*" $k) $key)) -}}{{ $why }}{{- end -}}
{{- end -}}
{{- end -}}

{{/*
kafka.replication: the effective replication settings (a YAML map of server.properties
key to value) before `config`: null values derive from replicaCount. RF = min(3, brokers),
min ISR = max(1, RF - 1), the transaction log's min ISR capped by its RF.
*/}}
{{- define "kafka.replication" -}}
{{- $n := int .Values.replicaCount -}}
{{- $r := .Values.replication -}}
{{- $rf := min 3 $n -}}
{{- $defaultRF := ternary $rf $r.defaultReplicationFactor (kindIs "invalid" $r.defaultReplicationFactor) -}}
{{- $minIsr := ternary (max 1 (sub (int $defaultRF) 1)) $r.minInsyncReplicas (kindIs "invalid" $r.minInsyncReplicas) -}}
{{- $offsetsRF := ternary $rf $r.offsetsTopicReplicationFactor (kindIs "invalid" $r.offsetsTopicReplicationFactor) -}}
{{- $txnRF := ternary $rf $r.transactionStateLogReplicationFactor (kindIs "invalid" $r.transactionStateLogReplicationFactor) -}}
{{- $txnIsr := ternary (min (int $minIsr) (int $txnRF)) $r.transactionStateLogMinIsr (kindIs "invalid" $r.transactionStateLogMinIsr) -}}
{{- toYaml (dict
  "default.replication.factor" (int $defaultRF)
  "min.insync.replicas" (int $minIsr)
  "offsets.topic.replication.factor" (int $offsetsRF)
  "transaction.state.log.replication.factor" (int $txnRF)
  "transaction.state.log.min.isr" (int $txnIsr)) -}}
{{- end -}}

{{/*
kafka.serverProperties: the properties every broker shares (a dict, as YAML): the chart's
settings, replication derived from replicaCount, then `config` on top (kafka.problems
refuses config keys the chart owns). configure.sh adds each pod's identity.
*/}}
{{- define "kafka.serverProperties" -}}
{{- $props := include "kafka.replication" . | fromYaml -}}
{{- $_ := set $props "zookeeper.connect" (include "kafka.zookeeperConnect" .) -}}
{{- $_ := set $props "auto.create.topics.enable" .Values.autoCreateTopicsEnable -}}
{{- $_ := set $props "log.retention.hours" .Values.log.retentionHours -}}
{{- $_ := set $props "log.segment.bytes" .Values.log.segmentBytes -}}
{{- $_ := set $props "log.retention.check.interval.ms" .Values.log.retentionCheckIntervalMs -}}
{{- $_ := set $props "controlled.shutdown.enable" true -}}
{{- range $key, $value := .Values.config -}}
{{- $_ := set $props $key $value -}}
{{- end -}}
{{- toYaml $props -}}
{{- end -}}

{{/*
kafka.replicationFactor: the effective default.replication.factor (used by helm test).
*/}}
{{- define "kafka.replicationFactor" -}}
{{- get (include "kafka.serverProperties" . | fromYaml) "default.replication.factor" -}}
{{- end -}}

{{/*
kafka.problems: every render-time problem, one "key.path: reason" line each, with the
key as the user writes it (the "kafka." prefix inside the stack).
*/}}
{{- define "kafka.problems" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $v := .Values -}}
{{- $n := int $v.replicaCount -}}
{{- if hasKey $v "heapOpts" }}
{{ $p }}heapOpts: replaced by {{ $p }}heapSize, a JVM size such as 1G (the chart sets -Xmx and -Xms from it); put other JVM flags in {{ $p }}kafkaOpts
{{- end }}
{{- if and $v.zookeeper.chroot (contains "/" $v.externalZookeeper.connect) }}
{{ $p }}zookeeper.chroot: {{ $v.zookeeper.chroot }} is set but {{ $p }}externalZookeeper.connect ({{ $v.externalZookeeper.connect }}) has a chroot of its own: keep only one
{{- end }}
{{- $owned := include "kafka.ownedKeys" . | fromYaml -}}
{{- range $key, $value := $v.config }}
{{- with include "kafka.ownerOf" (dict "key" $key "owned" $owned) }}
{{ $p }}config.{{ $key }}: owned by the chart ({{ . }}); remove it from {{ $p }}config
{{- else }}
{{- if or (contains "\n" $key) (contains "\n" (toString $value)) }}
{{ $p }}config.{{ $key }}: keys and values of server.properties must be single lines
{{- end }}
{{- end }}
{{- end }}
{{- /* the effective replication settings, each named by where it came from */ -}}
{{- $props := include "kafka.serverProperties" . | fromYaml -}}
{{- $sources := dict
  "default.replication.factor" "replication.defaultReplicationFactor"
  "min.insync.replicas" "replication.minInsyncReplicas"
  "offsets.topic.replication.factor" "replication.offsetsTopicReplicationFactor"
  "transaction.state.log.replication.factor" "replication.transactionStateLogReplicationFactor"
  "transaction.state.log.min.isr" "replication.transactionStateLogMinIsr" -}}
{{- $eff := dict -}}
{{- range $key, $source := $sources -}}
{{- if hasKey $v.config $key -}}{{- $_ := set $sources $key (printf "config.%s" $key) -}}{{- end -}}
{{- $text := get $props $key | toString -}}
{{- if regexMatch "^[0-9]+$" $text -}}{{- $_ := set $eff $key (atoi $text) -}}{{- end -}}
{{- end -}}
{{- range $key := keys $sources | sortAlpha }}
{{- if not (hasKey $eff $key) }}
{{ $p }}{{ get $sources $key }}: {{ get $props $key }} is not a positive whole number
{{- end }}
{{- end }}
{{- range $key := list "default.replication.factor" "offsets.topic.replication.factor" "transaction.state.log.replication.factor" }}
{{- if hasKey $eff $key }}
{{- $rf := get $eff $key }}
{{- if lt $rf 1 }}
{{ $p }}{{ get $sources $key }}: {{ $rf }} must be at least 1
{{- else if gt $rf $n }}
{{ $p }}{{ get $sources $key }}: {{ $rf }} is above {{ $p }}replicaCount ({{ $n }}): Kafka cannot place more replicas than brokers; lower it or raise {{ $p }}replicaCount
{{- end }}
{{- end }}
{{- end }}
{{- range $pair := list (list "min.insync.replicas" "default.replication.factor") (list "transaction.state.log.min.isr" "transaction.state.log.replication.factor") }}
{{- $isrKey := index $pair 0 }}
{{- $rfKey := index $pair 1 }}
{{- if and (hasKey $eff $isrKey) (hasKey $eff $rfKey) }}
{{- if lt (get $eff $isrKey) 1 }}
{{ $p }}{{ get $sources $isrKey }}: {{ get $eff $isrKey }} must be at least 1
{{- else if gt (get $eff $isrKey) (get $eff $rfKey) }}
{{ $p }}{{ get $sources $isrKey }}: {{ get $eff $isrKey }} is above {{ $p }}{{ get $sources $rfKey }} ({{ get $eff $rfKey }}): acks=all writes could never succeed
{{- end }}
{{- end }}
{{- end }}
{{- with (include "common.check.heap" (dict "heap" $v.heapSize "heapKey" (printf "%sheapSize" $p) "limit" (dig "limits" "memory" "" ($v.resources | default dict)) "limitKey" (printf "%sresources.limits.memory" $p))) }}
{{ . }}
{{- end }}
{{- include "common.check.pdb" (dict "pdb" $v.pdb "replicas" $n "prefix" $p) }}
{{- end -}}

{{/*
kafka.warnings: what renders but is probably not what the user wants.
*/}}
{{- define "kafka.warnings" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- if .Values.pdb.create }}
{{- $max := .Values.pdb.maxUnavailable }}
{{- if and (not (kindIs "invalid" $max)) (regexMatch "^0+%?$" (toString $max)) }}
{{ $p }}pdb.maxUnavailable: {{ $max }} allows no voluntary disruption: every node drain waits until it is changed
{{- end }}
{{- end }}
{{- end -}}

{{/*
kafka.volumeClaimTemplates: the StatefulSet's volumeClaimTemplates entries (a YAML list),
empty when persistence is off. statefulset.yaml and the upgrade guard both render it, so
the guard compares exactly what an upgrade would send.
*/}}
{{- define "kafka.volumeClaimTemplates" -}}
{{- $p := .Values.persistence -}}
{{- if $p.enabled -}}
{{ include "common.storage.claimTemplate" (dict "name" "data" "labels" (include "kafka.selectorLabels" .) "size" $p.size "storageClass" $p.storageClass "accessModes" $p.accessModes "annotations" $p.annotations) }}
{{- end -}}
{{- end -}}

{{/*
kafka.upgradeGuard: refuse an upgrade that changes what the existing StatefulSet cannot
change (common.upgradeGuard), looked up live; .compare takes the StatefulSet given
({"existing": ..., "ctx": .}), which is what the tests feed it.
*/}}
{{- define "kafka.upgradeGuard" -}}
{{- $existing := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "kafka.fullname" .) -}}
{{- include "kafka.upgradeGuard.compare" (dict "existing" $existing "ctx" .) -}}
{{- end -}}

{{- define "kafka.upgradeGuard.compare" -}}
{{- $ctx := .ctx -}}
{{- $sources := dict "data" (dict "enabled" "persistence.enabled" "size" "persistence.size" "storageClass" "persistence.storageClass" "accessModes" "persistence.accessModes" "annotations" "persistence.annotations") -}}
{{- include "common.upgradeGuard" (dict "ctx" $ctx "existing" .existing "name" (include "kafka.fullname" $ctx) "selector" (include "kafka.selectorLabels" $ctx) "serviceName" (include "kafka.headlessServiceName" $ctx) "claims" (include "kafka.volumeClaimTemplates" $ctx) "sources" $sources "primary" "data") -}}
{{- end -}}
