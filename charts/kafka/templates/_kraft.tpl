{{/*
KRaft mode (kraft.enabled): the controllers' names and labels, the quorum, the cluster id,
the controllers' shared settings and what this chart version does not run in KRaft yet.
*/}}

{{/*
kafka.migrationPhase: kraft.migration.phase while the release is not in KRaft mode yet
(kraft.enabled false), else "". The phases, in order: controllers, dual-write, brokers; or
rollback after dual-write.
*/}}
{{- define "kafka.migrationPhase" -}}
{{- if not .Values.kraft.enabled -}}{{- dig "migration" "phase" "" .Values.kraft -}}{{- end -}}
{{- end -}}

{{/*
kafka.brokersKraft: "true" when the brokers run in KRaft mode (process.roles): kraft.enabled,
or the migration's brokers phase.
*/}}
{{- define "kafka.brokersKraft" -}}
{{- if or .Values.kraft.enabled (eq (include "kafka.migrationPhase" .) "brokers") -}}true{{- end -}}
{{- end -}}

{{/*
kafka.brokersMigrating: "true" when the brokers run ZooKeeper mode with the migration's
settings (they register with the controllers too): the dual-write and rollback phases.
*/}}
{{- define "kafka.brokersMigrating" -}}
{{- if has (include "kafka.migrationPhase" .) (list "dual-write" "rollback") -}}true{{- end -}}
{{- end -}}

{{/*
kafka.controllersMigrating: "true" when the controllers run in migration mode (they read
and write ZooKeeper): the controllers, dual-write and brokers phases.
*/}}
{{- define "kafka.controllersMigrating" -}}
{{- if has (include "kafka.migrationPhase" .) (list "controllers" "dual-write" "brokers") -}}true{{- end -}}
{{- end -}}

{{/*
kafka.kraftDedicated: "true" when the controllers run in a StatefulSet of their own
(kraft.enabled without kraft.combined, or a migration phase that has them), else "".
*/}}
{{- define "kafka.kraftDedicated" -}}
{{- if or (and .Values.kraft.enabled (not .Values.kraft.combined)) (include "kafka.controllersMigrating" .) -}}true{{- end -}}
{{- end -}}

{{/*
kafka.clusterIdKnown: "true" when there is a cluster id (Secret <fullname>-kraft): KRaft
mode and every migration phase. The controllers are formatted with it; the brokers'
configure.sh checks it against their volumes' meta.properties (from dual-write on).
*/}}
{{- define "kafka.clusterIdKnown" -}}
{{- if or .Values.kraft.enabled (include "kafka.migrationPhase" .) -}}true{{- end -}}
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
{{- /* Kafka's Uuid.randomUuid never starts one with "-" (tools would read it as an option) */ -}}
{{- $id := randBytes 16 | replace "+" "-" | replace "/" "_" | trimSuffix "==" -}}
{{- ternary (printf "A%s" (substr 1 22 $id)) $id (hasPrefix "-" $id) -}}
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
creates the topics, so it applies default.replication.factor itself), during the migration
ZooKeeper's and the brokers' listener, then config and controller.config on top. configure.sh adds node.id, advertised.listeners and log.dirs.
*/}}
{{- define "kafka.controllerProperties" -}}
{{- $props := pick (include "kafka.replication" . | fromYaml) "default.replication.factor" "min.insync.replicas" -}}
{{- $props = merge (include "kafka.kraftProperties" (dict "ctx" . "roles" "controller") | fromYaml) $props -}}
{{- $_ := set $props "listeners" (printf "CONTROLLER://:%s" (include "kafka.controllerPort" .)) -}}
{{- $_ := set $props "listener.security.protocol.map" "CONTROLLER:PLAINTEXT" -}}
{{- if include "kafka.controllersMigrating" . -}}
{{- /* KIP-866: the controllers read the metadata from ZooKeeper, then write it back there,
and reach the ZooKeeper-mode brokers on their inter-broker listener */ -}}
{{- $_ := set $props "zookeeper.metadata.migration.enable" true -}}
{{- $_ := set $props "zookeeper.connect" (include "kafka.zookeeperConnect" .) -}}
{{- $_ := set $props "inter.broker.listener.name" "INTERNAL" -}}
{{- $_ := set $props "listener.security.protocol.map" (printf "CONTROLLER:PLAINTEXT,INTERNAL:%s" (include "kafka.listenerProtocols" . | fromYaml).INTERNAL) -}}
{{- end -}}
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
{{- $phase := include "kafka.migrationPhase" . -}}
{{- $tag := include "kafka.imageTag" . -}}
{{- $givenPhase := dig "migration" "phase" "" $v.kraft -}}
{{- if and $v.kraft.enabled $givenPhase }}
{{ $p }}kraft.migration.phase: {{ $givenPhase }} while {{ $p }}kraft.enabled is true: KRaft mode is where the migration ends; remove the phase (or set {{ $p }}kraft.enabled false while the migration runs)
{{- end }}
{{- if not $v.kraft.enabled }}
{{- if and $major (ge (atoi $major) 4) }}
{{ $p }}image.tag: {{ $tag }} is Kafka {{ $major }}, which has no ZooKeeper mode: keep a 3.9 tag while the cluster runs on ZooKeeper{{ if $phase }} and through the migration (Kafka 4 comes after it, with {{ $p }}kraft.enabled){{ else }}, or set {{ $p }}kraft.enabled for a new cluster (an existing one needs the migration first){{ end }}
{{- end }}
{{- end }}
{{- if $phase }}
{{- if and $major (not (regexMatch "^v?3[.]9([.-]|$)" $tag)) (lt (atoi $major) 4) }}
{{ $p }}image.tag: {{ $tag }} is not Kafka 3.9: the migration runs on 3.9 (the brokers' inter.broker.protocol.version 3.9); upgrade the ZooKeeper-mode cluster to 3.9 first
{{- end }}
{{- if $v.kraft.combined }}
{{ $p }}kraft.combined: the migration runs dedicated controllers (KIP-866 has no combined nodes); set {{ $p }}kraft.combined false
{{- end }}
{{- if not $v.kraft.clusterId }}
{{ $p }}kraft.clusterId: empty with {{ $p }}kraft.migration.phase {{ $phase }}: the controllers join the ZooKeeper-mode cluster, whose id they must be formatted with; give cluster.id from a broker's meta.properties (kubectl exec {{ include "kafka.fullname" . }}-0 -- cat {{ .Values.persistence.mountPath | trimSuffix "/" }}/log/meta.properties), which `stackctl migrate` reads itself
{{- end }}
{{- if $v.zookeeper.auth.enabled }}
{{ $p }}zookeeper.auth.enabled: the migration with ZooKeeper authentication is not supported by this chart version yet (the controllers would need ZooKeeper's credentials and ACLs)
{{- end }}
{{- end }}
{{- if or $v.kraft.enabled $phase }}
{{- if and $v.kraft.enabled $major (lt (atoi $major) 3) }}
{{ $p }}image.tag: {{ $tag }} is Kafka {{ $major }}, which has no production KRaft mode: use 3.9 or 4.x with {{ $p }}kraft.enabled
{{- end }}
{{- $notYet := ternary "is not supported in KRaft mode by this chart version yet" "is not supported by this chart version's migration yet" (not $phase) }}
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
{{- if and $phase $v.metrics.jmx.enabled }}
{{ $p }}metrics.jmx.enabled: metrics {{ $notYet }} (the alerts of a cluster half in ZooKeeper mode, half in KRaft are not proven); turn them off for the migration and on again in KRaft mode
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
{{- /* the ZooKeeper-mode values a migrated release still carries: harmless, unused */}}
{{- range $key, $set := dict "zookeeper.auth.enabled" .Values.zookeeper.auth.enabled "externalZookeeper.connect" .Values.externalZookeeper.connect "zookeeper.chroot" .Values.zookeeper.chroot }}
{{- if $set }}
{{ $p }}{{ $key }}: unused, KRaft mode uses no ZooKeeper; remove it (after a migration, once ZooKeeper is gone)
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
kafka.kraftMode: how the StatefulSets record the metadata mode for the upgrade guard
(annotation kafka.chart/metadata): "zookeeper", "migration-<phase>", "kraft" or
"kraft-combined".
*/}}
{{- define "kafka.kraftMode" -}}
{{- $phase := include "kafka.migrationPhase" . -}}
{{- if .Values.kraft.combined -}}kraft-combined
{{- else if .Values.kraft.enabled -}}kraft
{{- else if $phase -}}migration-{{ $phase }}
{{- else -}}zookeeper
{{- end -}}
{{- end -}}

{{/*
kafka.migrationSteps: the modes an upgrade may move to from each mode (a YAML map): the
migration's phases one at a time, forward, or back to ZooKeeper mode where Kafka allows it
(before the brokers leave ZooKeeper).
*/}}
{{- define "kafka.migrationSteps" -}}
zookeeper: [migration-controllers]
migration-controllers: [migration-dual-write, zookeeper]
migration-dual-write: [migration-brokers, migration-rollback]
migration-brokers: [kraft, migration-dual-write]
migration-rollback: [zookeeper]
kraft: []
kraft-combined: []
{{- end -}}

{{/*
kafka.migrationStepHint: what a mode's next upgrade sets, for the guard's message.
*/}}
{{- define "kafka.migrationStepHint" -}}
{{- $p := include "common.names.valuesPrefix" .ctx -}}
{{- $hints := dict
  "zookeeper" (printf "%skraft.migration.phase=controllers (with %skraft.clusterId, the cluster's id) starts the migration" $p $p)
  "migration-controllers" (printf "%skraft.migration.phase=dual-write is the next step; an empty phase goes back to ZooKeeper mode" $p)
  "migration-dual-write" (printf "%skraft.migration.phase=brokers is the next step, rollback the way back" $p)
  "migration-brokers" (printf "%skraft.enabled=true without a phase ends the migration; dual-write goes back a step" $p)
  "migration-rollback" (printf "an empty %skraft.migration.phase returns to ZooKeeper mode (once the controllers' claims and the /controller and /migration znodes are deleted)" $p)
  "kraft" (printf "keep %skraft.enabled=true and %skraft.combined=false" $p $p)
  "kraft-combined" (printf "keep %skraft.enabled=true and %skraft.combined=true" $p $p) -}}
{{- get $hints .mode -}}
{{- end -}}

{{/*
kafka.upgradeGuard.kraft: refuse an upgrade that changes the metadata mode other than along
the migration (kafka.migrationSteps), or the voters of the static quorum. Given (dict
"existing" <the brokers' StatefulSet or empty> "ctx" .). A StatefulSet without a
kafka.chart/metadata annotation is a ZooKeeper-mode release (every release before KRaft
mode existed, and every one with kraft.enabled false and no migration phase).
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
{{- $allowed := get (include "kafka.migrationSteps" $ctx | fromYaml) $old | default list -}}
{{- if and (ne $old $new) (not (has $new $allowed)) -}}
{{- $why := "" -}}
{{- if and (eq $old "zookeeper") (hasPrefix "kraft" $new) -}}
{{- $why = "Brokers started in KRaft mode would format empty metadata and lose every topic: a ZooKeeper-mode cluster moves to KRaft only through the migration, one phase per upgrade." -}}
{{- else if hasPrefix "kraft" $old -}}
{{- $why = "Their metadata is in the controllers' log, not in ZooKeeper: a KRaft cluster never goes back." -}}
{{- else if eq $new "zookeeper" -}}
{{- $why = "The brokers have left ZooKeeper mode: Kafka allows no way back from here but through the dual-write phase." -}}
{{- else -}}
{{- $why = "The migration moves one phase per upgrade, and each is checked before the next." -}}
{{- end -}}
{{- fail (printf "upgrade refused: the brokers of StatefulSet %s run as %q, this upgrade as %q. %s Next: %s." $sts $old $new $why (include "kafka.migrationStepHint" (dict "ctx" $ctx "mode" $old))) -}}
{{- end -}}
{{- $oldVoters := dig "metadata" "annotations" "kafka.chart/quorum" "" $existing -}}
{{- $newVoters := include "kafka.quorumVoters" $ctx -}}
{{- if and (ne $new "zookeeper") $oldVoters (ne $oldVoters $newVoters) -}}
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
