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

{{/*
kafka.volumeClaimTemplates: the StatefulSet's volumeClaimTemplates entries (a YAML list),
empty when persistence is off. statefulset.yaml and kafka.upgradeGuard both render it, so
the guard compares exactly what an upgrade would send.
*/}}
{{- define "kafka.volumeClaimTemplates" -}}
{{- if .Values.persistence.enabled -}}
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: data
    labels:
      {{- include "kafka.selectorLabels" . | nindent 6 }}
    {{- with .Values.persistence.annotations }}
    annotations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  spec:
    accessModes:
      {{- toYaml .Values.persistence.accessModes | nindent 6 }}
    {{- with .Values.persistence.storageClass }}
    storageClassName: {{ ternary "" . (eq . "-") | quote }}
    {{- end }}
    resources:
      requests:
        storage: {{ .Values.persistence.size | quote }}
{{- end -}}
{{- end -}}

{{/*
kafka.valuesPrefix: where this chart's values sit for the user: "" for the chart on its
own, "kafka." inside the stack umbrella (from the template path, so aliases work too).
*/}}
{{- define "kafka.valuesPrefix" -}}
{{- range rest (splitList "/charts/" (trimSuffix "/templates" .Template.BasePath)) -}}{{ . }}.{{- end -}}
{{- end -}}

{{/*
kafka.quantityBytes: a Kubernetes quantity (8Gi, 1.5T, 500000000) as a whole number of
bytes, empty when it has another form. The API server stores quantities in canonical
form (1024Mi comes back as 1Gi), so claim sizes are compared as numbers.
*/}}
{{- define "kafka.quantityBytes" -}}
{{- $units := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "P" 1000000000000000 "E" 1000000000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976 -}}
{{- $q := toString . -}}
{{- if regexMatch "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$" $q -}}
{{- printf "%.0f" (mulf (regexFind "^[0-9.]+" $q | float64) (get $units (regexReplaceAll "^[0-9.]+" $q ""))) -}}
{{- end -}}
{{- end -}}

{{/*
kafka.upgradeGuard: on an upgrade (the StatefulSet exists), fail the render when a value
changed a field the API server refuses to change on a StatefulSet, naming the value, the
old and new setting and the way out. lookup is empty under helm template, helm lint and
a client-side dry run, so those never see it.
*/}}
{{- define "kafka.upgradeGuard" -}}
{{- $existing := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "kafka.fullname" .) -}}
{{- include "kafka.upgradeGuard.compare" (dict "existing" $existing "ctx" .) -}}
{{- end -}}

{{/*
kafka.upgradeGuard.compare: the guard's comparison, given {"existing": <StatefulSet as
the API server returns it, or empty>, "ctx": <the chart's context>}. Compares serviceName,
podManagementPolicy, selector.matchLabels and the volumeClaimTemplates (names, labels,
annotations, accessModes, storageClassName, storage request) with this render. A
StatefulSet owned by another release is left alone (helm reports the ownership itself).
*/}}
{{- define "kafka.upgradeGuard.compare" -}}
{{- $existing := .existing | default dict -}}
{{- $ctx := .ctx -}}
{{- $owner := dig "metadata" "annotations" "meta.helm.sh/release-name" "" $existing -}}
{{- if and $existing (or (not $owner) (eq $owner $ctx.Release.Name)) -}}
{{- $p := include "kafka.valuesPrefix" $ctx -}}
{{- $sts := include "kafka.fullname" $ctx -}}
{{- $ns := $ctx.Release.Namespace -}}
{{- $orphan := printf "delete the StatefulSet with `kubectl delete sts %s -n %s --cascade=orphan` (its pods and PVCs keep running) and upgrade again" $sts $ns -}}
{{- /* value names per claim template */ -}}
{{- $sources := dict
  "data" (dict "enabled" "persistence.enabled" "size" "persistence.size" "storageClass" "persistence.storageClass" "accessModes" "persistence.accessModes" "annotations" "persistence.annotations")
-}}
{{- $problems := list -}}

{{- /* selector: only nameOverride can change it for the same StatefulSet name */ -}}
{{- $oldSel := dict -}}
{{- range $k, $v := (dig "spec" "selector" "matchLabels" (dict) $existing) -}}{{- $_ := set $oldSel $k (toString $v) -}}{{- end -}}
{{- $newSel := dict -}}
{{- range $k, $v := (include "kafka.selectorLabels" $ctx | fromYaml) -}}{{- $_ := set $newSel $k (toString $v) -}}{{- end -}}
{{- $selectorChanged := ne (toJson $oldSel) (toJson $newSel) -}}
{{- if $selectorChanged -}}
{{- $oldName := get $oldSel "app.kubernetes.io/name" -}}
{{- $newName := get $newSel "app.kubernetes.io/name" -}}
{{- if ne $oldName $newName -}}
{{- $problems = append $problems (printf "%snameOverride: the StatefulSet selects app.kubernetes.io/name=%q, this upgrade renders %q. A StatefulSet's selector can never change: set %snameOverride so that the name is %q again." $p $oldName $newName $p $oldName) -}}
{{- else -}}
{{- $problems = append $problems (printf "selector: the StatefulSet selects %s, this upgrade renders %s. A StatefulSet's selector can never change: keep the chart's selector labels (nameOverride, the release name)." (toJson $oldSel) (toJson $newSel)) -}}
{{- end -}}
{{- end -}}

{{- /* serviceName */ -}}
{{- $oldSvc := dig "spec" "serviceName" "" $existing -}}
{{- $newSvc := include "kafka.headlessServiceName" $ctx -}}
{{- if ne $oldSvc $newSvc -}}
{{- $problems = append $problems (printf "%sservice.headless.name: the StatefulSet's serviceName is %q, this upgrade renders %q. Set %sservice.headless.name to %q again, or %s (the pods then roll onto DNS names under the new Service)." $p $oldSvc $newSvc $p $oldSvc $orphan) -}}
{{- end -}}

{{- /* podManagementPolicy (the API server's default is OrderedReady) */ -}}
{{- $oldPmp := dig "spec" "podManagementPolicy" "OrderedReady" $existing -}}
{{- $newPmp := toString $ctx.Values.podManagementPolicy -}}
{{- if ne $oldPmp $newPmp -}}
{{- $problems = append $problems (printf "%spodManagementPolicy: the StatefulSet has %q, this upgrade renders %q. Set %spodManagementPolicy back to %q, or %s." $p $oldPmp $newPmp $p $oldPmp $orphan) -}}
{{- end -}}

{{- /* volumeClaimTemplates */ -}}
{{- $old := dict -}}
{{- $oldNames := list -}}
{{- range (dig "spec" "volumeClaimTemplates" (list) $existing) -}}
{{- $n := dig "metadata" "name" "" . -}}
{{- $_ := set $old $n . -}}
{{- $oldNames = append $oldNames $n -}}
{{- end -}}
{{- $new := dict -}}
{{- $newNames := list -}}
{{- range (include "kafka.volumeClaimTemplates" $ctx | fromYamlArray) -}}
{{- $n := dig "metadata" "name" "" . -}}
{{- $_ := set $new $n . -}}
{{- $newNames = append $newNames $n -}}
{{- end -}}
{{- if ne (join "," $oldNames) (join "," $newNames) -}}
{{- if and $oldNames (not $newNames) -}}
{{- $problems = append $problems (printf "%spersistence.enabled: the StatefulSet keeps its data on PVCs, this upgrade sets persistence.enabled false (emptyDirs, lost with each pod). Set %spersistence.enabled back to true; to really drop the volumes, %s (the PVCs %s-%s-N stay behind)." $p $p $orphan (first $oldNames) $sts) -}}
{{- else if and $newNames (not $oldNames) -}}
{{- $problems = append $problems (printf "%spersistence.enabled: the StatefulSet has no volumeClaimTemplates (persistence.enabled false), this upgrade sets it true. Set %spersistence.enabled back to false, or %s: the pods then roll one at a time onto new, empty PVCs (nothing is copied from the emptyDirs)." $p $p $orphan) -}}
{{- else -}}
{{- $problems = append $problems (printf "volumeClaimTemplates: the StatefulSet has claims [%s], this upgrade renders [%s]. Claim templates cannot change: %s." (join ", " $oldNames) (join ", " $newNames) $orphan) -}}
{{- end -}}
{{- end -}}
{{- range $name := $newNames -}}
{{- if hasKey $old $name -}}
{{- $src := get $sources $name | default (dict "size" (printf "volumeClaimTemplates[%s].storage" $name) "storageClass" (printf "volumeClaimTemplates[%s].storageClassName" $name) "accessModes" (printf "volumeClaimTemplates[%s].accessModes" $name) "annotations" (printf "volumeClaimTemplates[%s].annotations" $name)) -}}
{{- $o := get $old $name -}}
{{- $n := get $new $name -}}
{{- $pvcs := printf "%s-%s-N" $name $sts -}}
{{- /* storage request */ -}}
{{- $os := dig "spec" "resources" "requests" "storage" "" $o | toString -}}
{{- $nsz := dig "spec" "resources" "requests" "storage" "" $n | toString -}}
{{- $ob := include "kafka.quantityBytes" $os -}}
{{- $nb := include "kafka.quantityBytes" $nsz -}}
{{- $sizeChanged := ne $os $nsz -}}
{{- if and $ob $nb -}}{{- $sizeChanged = ne $ob $nb -}}{{- end -}}
{{- if $sizeChanged -}}
{{- if and $ob $nb (lt (float64 $nb) (float64 $ob)) -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q requests %s, this upgrade asks for %s. A volume cannot shrink: set %s%s back to %q." $p $src.size $name $os $nsz $p $src.size $os) -}}
{{- else -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q requests %s, this upgrade asks for %s. Resize the PVCs %s in place if the StorageClass allows volume expansion (kubectl patch pvc %s-%s-0 -n %s -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"%s\"}}}}', likewise for every N), then %s; or set %s%s back to %q." $p $src.size $name $os $nsz $pvcs $name $sts $ns $nsz $orphan $p $src.size $os) -}}
{{- end -}}
{{- end -}}
{{- /* storageClassName, in values terms: absent is "", "" is "-" */ -}}
{{- $oc := ternary (dig "spec" "storageClassName" "" $o | default "-") "" (hasKey (dig "spec" (dict) $o) "storageClassName") -}}
{{- $nc := ternary (dig "spec" "storageClassName" "" $n | default "-") "" (hasKey (dig "spec" (dict) $n) "storageClassName") -}}
{{- if ne $oc $nc -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q was installed with %q, this upgrade sets %q. Existing PVCs never change class (the StatefulSet reuses %s by name): set %s%s back to %q, or, to give only claims created from now on the new class, %s." $p $src.storageClass $name $oc $nc $pvcs $p $src.storageClass $oc $orphan) -}}
{{- end -}}
{{- /* accessModes */ -}}
{{- $oa := join "," (dig "spec" "accessModes" (list) $o) -}}
{{- $na := join "," (dig "spec" "accessModes" (list) $n) -}}
{{- if ne $oa $na -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q has [%s], this upgrade renders [%s]. Existing PVCs keep their access modes: set %s%s back to [%s], or, for claims created from now on only, %s." $p $src.accessModes $name $oa $na $p $src.accessModes $oa $orphan) -}}
{{- end -}}
{{- /* annotations */ -}}
{{- $oan := dict -}}
{{- range $k, $v := (dig "metadata" "annotations" (dict) $o) -}}{{- $_ := set $oan $k (toString $v) -}}{{- end -}}
{{- $nan := dict -}}
{{- range $k, $v := (dig "metadata" "annotations" (dict) $n) -}}{{- $_ := set $nan $k (toString $v) -}}{{- end -}}
{{- if ne (toJson $oan) (toJson $nan) -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q has annotations %s, this upgrade renders %s. Set %s%s back, or %s (existing PVCs keep their annotations: use kubectl annotate pvc)." $p $src.annotations $name (toJson $oan) (toJson $nan) $p $src.annotations $orphan) -}}
{{- end -}}
{{- /* labels (the selector labels: reported with the selector) */ -}}
{{- $ol := dict -}}
{{- range $k, $v := (dig "metadata" "labels" (dict) $o) -}}{{- $_ := set $ol $k (toString $v) -}}{{- end -}}
{{- $nl := dict -}}
{{- range $k, $v := (dig "metadata" "labels" (dict) $n) -}}{{- $_ := set $nl $k (toString $v) -}}{{- end -}}
{{- if and (ne (toJson $ol) (toJson $nl)) (not $selectorChanged) -}}
{{- $problems = append $problems (printf "volumeClaimTemplates: the claim template %q has labels %s, this upgrade renders %s. Claim templates cannot change: %s." $name (toJson $ol) (toJson $nl) $orphan) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- if $problems -}}
{{- fail (printf "upgrade refused: the StatefulSet %s/%s exists and this upgrade changes fields the API server never lets a StatefulSet change (selector, serviceName, podManagementPolicy, volumeClaimTemplates):\n- %s" $ns $sts (join "\n- " $problems)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
