{{/*
KRaft mode (kraft.enabled): the controllers' names and labels, the quorum, the cluster id,
the controllers' shared settings and what this chart version does not run in KRaft yet.
*/}}

{{/*
kafka.kraft: "true" with kraft.enabled, else "".
*/}}
{{- define "kafka.kraft" -}}
{{- if .Values.kraft.enabled -}}true{{- end -}}
{{- end -}}

{{/*
kafka.kraftDedicated: "true" when the controllers run in a StatefulSet of their own
(kraft.enabled without kraft.combined), else "".
*/}}
{{- define "kafka.kraftDedicated" -}}
{{- if and .Values.kraft.enabled (not .Values.kraft.combined) -}}true{{- end -}}
{{- end -}}

{{/*
kafka.kraftDefaultTag: the apache/kafka tag KRaft mode runs when image.tag is empty.
*/}}
{{- define "kafka.kraftDefaultTag" -}}4.3.2{{- end -}}

{{/*
kafka.imageTag: image.tag, else the chart's default for the mode: appVersion (3.9.1) in
ZooKeeper mode, kafka.kraftDefaultTag in KRaft mode.
*/}}
{{- define "kafka.imageTag" -}}
{{- .Values.image.tag | default (ternary (include "kafka.kraftDefaultTag" .) .Chart.AppVersion .Values.kraft.enabled) | toString -}}
{{- end -}}

{{/*
kafka.imageMajor: the major version of kafka.imageTag when it reads as one (3.9.1,
4.3.2-rc1, v4.0), else "" (latest, a digest-only reference, a custom tag).
*/}}
{{- define "kafka.imageMajor" -}}
{{- $m := regexFind "^v?[0-9]+[.][0-9]+" (include "kafka.imageTag" .) -}}
{{- if $m -}}{{- trimPrefix "v" (first (splitList "." $m)) -}}{{- end -}}
{{- end -}}

{{/*
kafka.controllerFullname: the controllers' StatefulSet, <fullname>-controller.
*/}}
{{- define "kafka.controllerFullname" -}}
{{- printf "%s-controller" (include "kafka.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
kafka.controllerHeadlessServiceName: the headless Service that names each controller,
<fullname>-controller-headless.
*/}}
{{- define "kafka.controllerHeadlessServiceName" -}}
{{- printf "%s-controller-headless" (include "kafka.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
kafka.controllerSelectorLabels: name, instance and component "controller". Like the
brokers', never add to these: a StatefulSet's selector is immutable.
*/}}
{{- define "kafka.controllerSelectorLabels" -}}
{{ include "common.labels.selector" (dict "ctx" . "component" "controller") }}
{{- end -}}

{{- define "kafka.controllerLabels" -}}
{{ include "common.labels.standard" (dict "ctx" . "component" "controller" "version" (include "kafka.imageTag" .)) }}
{{- end -}}

{{/*
kafka.clusterIdSecretName: the Secret that keeps the cluster id, <fullname>-kraft.
*/}}
{{- define "kafka.clusterIdSecretName" -}}
{{- printf "%s-kraft" (include "kafka.fullname" .) -}}
{{- end -}}

{{/*
kafka.clusterId: kraft.clusterId, else the one the Secret already holds (given as
.existing, from lookup), else a new one: 16 random bytes in base64url without padding,
the form Kafka's Uuid and kafka-storage.sh random-uuid use. Given (dict "existing" ...
"ctx" .).
*/}}
{{- define "kafka.clusterId" -}}
{{- $given := .ctx.Values.kraft.clusterId -}}
{{- $kept := dig "data" "cluster-id" "" (.existing | default dict) -}}
{{- if $given -}}
{{- $given -}}
{{- else if $kept -}}
{{- $kept | b64dec -}}
{{- else -}}
{{- randBytes 16 | replace "+" "-" | replace "/" "_" | trimSuffix "==" -}}
{{- end -}}
{{- end -}}

{{/*
kafka.controllerPort: the controller listener's port.
*/}}
{{- define "kafka.controllerPort" -}}
{{- int .Values.listeners.controller.containerPort -}}
{{- end -}}

{{/*
kafka.quorumVoters: controller.quorum.voters, "<node id>@<pod FQDN>:<port>,...": the
controllers (node ids from controller.nodeIdOffset), or with kraft.combined the brokers
(their broker ids). Recorded on the StatefulSets (kafka.chart/quorum) for the upgrade guard:
a static quorum never changes its voters.
*/}}
{{- define "kafka.quorumVoters" -}}
{{- $ns := .Release.Namespace -}}
{{- $cd := .Values.clusterDomain -}}
{{- $port := include "kafka.controllerPort" . -}}
{{- $voters := list -}}
{{- if .Values.kraft.combined -}}
{{- $headless := include "kafka.headlessServiceName" . -}}
{{- range $i := until (int .Values.replicaCount) -}}
{{- $voters = append $voters (printf "%d@%s-%d.%s.%s.svc.%s:%s" (add $i $.Values.brokerIdOffset) (include "kafka.fullname" $) $i $headless $ns $cd $port) -}}
{{- end -}}
{{- else -}}
{{- $headless := include "kafka.controllerHeadlessServiceName" . -}}
{{- range $i := until (int .Values.controller.replicaCount) -}}
{{- $voters = append $voters (printf "%d@%s-%d.%s.%s.svc.%s:%s" (add $i $.Values.controller.nodeIdOffset) (include "kafka.controllerFullname" $) $i $headless $ns $cd $port) -}}
{{- end -}}
{{- end -}}
{{- join "," $voters -}}
{{- end -}}

{{/*
kafka.kraftProperties: what KRaft mode adds to every node's settings (a YAML map), given
(dict "ctx" . "roles" "broker"|"controller"|"broker,controller"): the roles, the quorum
and the controller listener's name. The listeners themselves are each role's own.
*/}}
{{- define "kafka.kraftProperties" -}}
{{- toYaml (dict
  "process.roles" .roles
  "controller.listener.names" "CONTROLLER"
  "controller.quorum.voters" (include "kafka.quorumVoters" .ctx)) -}}
{{- end -}}

{{/*
kafka.controllerProperties: the settings every dedicated controller shares (a dict, as
YAML): KRaft's, the controller listener, the replication defaults (a KRaft controller
creates the topics, so it applies default.replication.factor itself), then config and
controller.config on top. configure.sh adds node.id, advertised.listeners and log.dirs.
*/}}
{{- define "kafka.controllerProperties" -}}
{{- $props := pick (include "kafka.replication" . | fromYaml) "default.replication.factor" "min.insync.replicas" -}}
{{- $props = merge (include "kafka.kraftProperties" (dict "ctx" . "roles" "controller") | fromYaml) $props -}}
{{- $_ := set $props "listeners" (printf "CONTROLLER://:%s" (include "kafka.controllerPort" .)) -}}
{{- $_ := set $props "listener.security.protocol.map" "CONTROLLER:PLAINTEXT" -}}
{{- range $key, $value := .Values.config -}}{{- $_ := set $props $key $value -}}{{- end -}}
{{- range $key, $value := .Values.controller.config -}}{{- $_ := set $props $key $value -}}{{- end -}}
{{- toYaml $props -}}
{{- end -}}

{{/*
kafka.kraftProblems: KRaft values that cannot work, or that this chart version does not
run in KRaft mode yet, "key.path: reason"; and, in ZooKeeper mode, a Kafka 4 image.
*/}}
{{- define "kafka.kraftProblems" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $v := .Values -}}
{{- $major := include "kafka.imageMajor" . -}}
{{- if not $v.kraft.enabled }}
{{- if and $major (ge (atoi $major) 4) }}
{{ $p }}image.tag: {{ include "kafka.imageTag" . }} is Kafka {{ $major }}, which has no ZooKeeper mode: keep a 3.9 tag while the cluster runs on ZooKeeper, or set {{ $p }}kraft.enabled for a new cluster (an existing one needs the migration first)
{{- end }}
{{- else }}
{{- if and $major (lt (atoi $major) 3) }}
{{ $p }}image.tag: {{ include "kafka.imageTag" . }} is Kafka {{ $major }}, which has no production KRaft mode: use 3.9 or 4.x with {{ $p }}kraft.enabled
{{- end }}
{{- $notYet := "is not supported in KRaft mode by this chart version yet" }}
{{- range $name, $key := dict "client" "listeners.client.protocol" "interbroker" "listeners.interbroker.protocol" "external" "listeners.external.protocol" }}
{{- $protocol := (index $v.listeners $name).protocol }}
{{- if and (ne $name "external") (ne $protocol "PLAINTEXT") }}
{{ $p }}{{ $key }}: {{ $protocol }} {{ $notYet }} (TLS and SASL need the controllers' listener secured too); use PLAINTEXT with {{ $p }}kraft.enabled, or ZooKeeper mode
{{- else if and (eq $name "external") $v.externalAccess.enabled $protocol (ne $protocol "PLAINTEXT") }}
{{ $p }}{{ $key }}: {{ $protocol }} {{ $notYet }}; use PLAINTEXT with {{ $p }}kraft.enabled, or ZooKeeper mode
{{- end }}
{{- end }}
{{- if $v.authorization.enabled }}
{{ $p }}authorization.enabled: an authorizer {{ $notYet }} (KRaft needs StandardAuthorizer and the controllers' principals)
{{- end }}
{{- if $v.metrics.jmx.enabled }}
{{ $p }}metrics.jmx.enabled: metrics {{ $notYet }} (the controllers' metrics and alerts are not exported)
{{- end }}
{{- if $v.zookeeper.auth.enabled }}
{{ $p }}zookeeper.auth.enabled: KRaft mode uses no ZooKeeper; remove it
{{- end }}
{{- if $v.externalZookeeper.connect }}
{{ $p }}externalZookeeper.connect: KRaft mode uses no ZooKeeper; remove it
{{- end }}
{{- if $v.zookeeper.chroot }}
{{ $p }}zookeeper.chroot: KRaft mode uses no ZooKeeper; remove it
{{- end }}
{{- $port := int $v.listeners.controller.containerPort }}
{{- range $name, $key := dict "client" "listeners.client.containerPort" "interbroker" "listeners.interbroker.containerPort" "external" "listeners.external.containerPort" }}
{{- if and (eq (int (index $v.listeners $name).containerPort) $port) (or (ne $name "external") $v.externalAccess.enabled) }}
{{ $p }}listeners.controller.containerPort: {{ $port }} is also {{ $p }}{{ $key }}: each listener needs a port of its own
{{- end }}
{{- end }}
{{- if not $v.kraft.combined }}
{{- $c := $v.controller }}
{{- $first := int $c.nodeIdOffset }}
{{- $last := add $first (int $c.replicaCount) | int }}
{{- $bFirst := int $v.brokerIdOffset }}
{{- $bLast := add $bFirst (int $v.replicaCount) | int }}
{{- if and (lt $first $bLast) (lt $bFirst $last) }}
{{ $p }}controller.nodeIdOffset: the controllers' node ids {{ $first }}..{{ sub $last 1 }} overlap the brokers' {{ $bFirst }}..{{ sub $bLast 1 }} ({{ $p }}brokerIdOffset, {{ $p }}replicaCount): every node of a KRaft cluster needs an id of its own
{{- end }}
{{- with (include "common.check.heap" (dict "heap" $c.heapSize "heapKey" (printf "%scontroller.heapSize" $p) "limit" (dig "limits" "memory" "" ($c.resources | default dict)) "limitKey" (printf "%scontroller.resources.limits.memory" $p))) }}
{{ . }}
{{- end }}
{{- include "common.check.pdb" (dict "pdb" $c.pdb "replicas" (int $c.replicaCount) "prefix" (printf "%scontroller." $p)) }}
{{- $owned := include "kafka.ownedKeys" . | fromYaml -}}
{{- range $key, $value := $c.config }}
{{- with include "kafka.ownerOf" (dict "key" $key "owned" $owned) }}
{{ $p }}controller.config.{{ $key }}: owned by the chart ({{ . }}); remove it from {{ $p }}controller.config
{{- else }}
{{- if or (contains "\n" $key) (contains "\n" (toString $value)) }}
{{ $p }}controller.config.{{ $key }}: keys and values of server.properties must be single lines
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
kafka.kraftWarnings: KRaft values that work but deserve a second look.
*/}}
{{- define "kafka.kraftWarnings" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- if .Values.kraft.enabled }}
{{- $n := ternary (int .Values.replicaCount) (int .Values.controller.replicaCount) .Values.kraft.combined }}
{{- $key := ternary "replicaCount" "controller.replicaCount" .Values.kraft.combined }}
{{- if and (gt $n 1) (eq (mod $n 2) 0) }}
{{ $p }}{{ $key }}: {{ $n }} voters tolerate no more failures than {{ sub $n 1 }} would ({{ div (sub $n 1) 2 }}): an odd number of controllers is the useful one
{{- end }}
{{- if and .Values.kraft.combined (gt (int .Values.replicaCount) 1) }}
{{ $p }}kraft.combined: every broker is also a controller, so each broker's restart is also a voter's; production runs dedicated controllers (kraft.combined false)
{{- end }}
{{- end }}
{{- end -}}

{{/*
kafka.kraftMode: how the StatefulSets record the metadata mode for the upgrade guard
(annotation kafka.chart/metadata): "zookeeper", "kraft" or "kraft-combined".
*/}}
{{- define "kafka.kraftMode" -}}
{{- if not .Values.kraft.enabled -}}zookeeper{{- else if .Values.kraft.combined -}}kraft-combined{{- else -}}kraft{{- end -}}
{{- end -}}

{{/*
kafka.upgradeGuard.kraft: refuse an upgrade that changes the metadata mode or the voters
of the static quorum. Given (dict "existing" <the brokers' StatefulSet or empty> "ctx" .).
A StatefulSet without a kafka.chart/metadata annotation is a ZooKeeper-mode release (every
release before KRaft mode existed, and every one with kraft.enabled false).
*/}}
{{- define "kafka.upgradeGuard.kraft" -}}
{{- $ctx := .ctx -}}
{{- $existing := .existing | default dict -}}
{{- $owner := dig "metadata" "annotations" "meta.helm.sh/release-name" "" $existing -}}
{{- if and $existing (or (not $owner) (eq $owner $ctx.Release.Name)) -}}
{{- $p := include "common.names.valuesPrefix" $ctx -}}
{{- $old := dig "metadata" "annotations" "kafka.chart/metadata" "zookeeper" $existing -}}
{{- $new := include "kafka.kraftMode" $ctx -}}
{{- $sts := printf "%s/%s" $ctx.Release.Namespace (include "kafka.fullname" $ctx) -}}
{{- if ne $old $new -}}
{{- if eq $old "zookeeper" -}}
{{- fail (printf "upgrade refused: the brokers of StatefulSet %s keep the cluster's metadata in ZooKeeper, and this upgrade sets %skraft.enabled. Brokers started in KRaft mode would format empty metadata and lose every topic: a ZooKeeper-mode cluster moves to KRaft only through the migration, which this chart version does not run yet. Set %skraft.enabled back to false." $sts $p $p) -}}
{{- else if eq $new "zookeeper" -}}
{{- fail (printf "upgrade refused: the brokers of StatefulSet %s run in KRaft mode, and this upgrade sets %skraft.enabled false. Their metadata is in the controllers' log, not in ZooKeeper. Set %skraft.enabled back to true." $sts $p $p) -}}
{{- else -}}
{{- fail (printf "upgrade refused: StatefulSet %s runs KRaft as %q, this upgrade as %q: the quorum's voters would change, which a static quorum cannot do. Set %skraft.combined back to %v." $sts $old $new $p (eq $old "kraft-combined")) -}}
{{- end -}}
{{- end -}}
{{- $oldVoters := dig "metadata" "annotations" "kafka.chart/quorum" "" $existing -}}
{{- $newVoters := include "kafka.quorumVoters" $ctx -}}
{{- if and $ctx.Values.kraft.enabled $oldVoters (ne $oldVoters $newVoters) -}}
{{- fail (printf "upgrade refused: the quorum of StatefulSet %s has the voters %s, this upgrade %s. The chart runs a static quorum (controller.quorum.voters), whose voters never change: keep %scontroller.replicaCount, %scontroller.nodeIdOffset, %slisteners.controller.containerPort and the names as installed." $sts $oldVoters $newVoters $p $p $p) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
kafka.controllerVolumeClaimTemplates: the controllers' volumeClaimTemplates entries (a YAML
list), empty when controller.persistence is off; rendered by the StatefulSet and its guard.
*/}}
{{- define "kafka.controllerVolumeClaimTemplates" -}}
{{- $p := .Values.controller.persistence -}}
{{- if $p.enabled -}}
{{ include "common.storage.claimTemplate" (dict "name" "data" "labels" (include "kafka.controllerSelectorLabels" .) "size" $p.size "storageClass" $p.storageClass "accessModes" $p.accessModes "annotations" $p.annotations) }}
{{- end -}}
{{- end -}}

{{/*
kafka.controllerUpgradeGuard: the controllers' StatefulSet's immutable fields
(common.upgradeGuard) and, as for the brokers, the metadata mode and the quorum's voters
(kafka.upgradeGuard.kraft), looked up live; .compare takes the StatefulSet given.
*/}}
{{- define "kafka.controllerUpgradeGuard" -}}
{{- $existing := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "kafka.controllerFullname" .) -}}
{{- include "kafka.controllerUpgradeGuard.compare" (dict "existing" $existing "ctx" .) -}}
{{- end -}}

{{- define "kafka.controllerUpgradeGuard.compare" -}}
{{- $ctx := .ctx -}}
{{- $sources := dict "data" (dict "enabled" "controller.persistence.enabled" "size" "controller.persistence.size" "storageClass" "controller.persistence.storageClass" "accessModes" "controller.persistence.accessModes" "annotations" "controller.persistence.annotations") -}}
{{- include "common.upgradeGuard" (dict "ctx" $ctx "existing" .existing "name" (include "kafka.controllerFullname" $ctx) "selector" (include "kafka.controllerSelectorLabels" $ctx) "serviceName" (include "kafka.controllerHeadlessServiceName" $ctx) "claims" (include "kafka.controllerVolumeClaimTemplates" $ctx) "sources" $sources "primary" "data" "podManagementPolicy" "Parallel") -}}
{{- include "kafka.upgradeGuard.kraft" . -}}
{{- end -}}

{{/*
kafka.controllerChecksum: a hash of what a controller reads from the scripts ConfigMap
(controller.properties and the files start.sh runs), so that only a change of these rolls
the quorum.
*/}}
{{- define "kafka.controllerChecksum" -}}
{{- $files := list -}}
{{- range list "start.sh" "configure.sh" "passwords.sh" "tls.sh" "client-config.sh" "log4j.properties" "log4j2.yaml" -}}
{{- $files = append $files ($.Files.Get (printf "files/%s" .)) -}}
{{- end -}}
{{- printf "%s\n%s" (include "kafka.controllerProperties" .) (join "\n" $files) | sha256sum -}}
{{- end -}}
