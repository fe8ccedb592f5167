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

{{/*
zookeeper.volumeClaimTemplates: the StatefulSet's volumeClaimTemplates entries (a YAML
list: data, and datalog with persistence.dataLog.enabled), empty when persistence is off.
statefulset.yaml and zookeeper.upgradeGuard both render it, so the guard compares exactly
what an upgrade would send.
*/}}
{{- define "zookeeper.volumeClaimTemplates" -}}
{{- if .Values.persistence.enabled -}}
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: data
    labels:
      {{- include "zookeeper.selectorLabels" . | nindent 6 }}
    {{- with .Values.persistence.annotations }}
    annotations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  spec:
    accessModes:
      {{- toYaml .Values.persistence.accessModes | nindent 6 }}
    {{- with (include "zookeeper.storageClass" .Values.persistence.storageClass | trim) }}
    {{- . | nindent 4 }}
    {{- end }}
    resources:
      requests:
        storage: {{ .Values.persistence.size | quote }}
{{- if .Values.persistence.dataLog.enabled }}
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: datalog
    labels:
      {{- include "zookeeper.selectorLabels" . | nindent 6 }}
    {{- with .Values.persistence.annotations }}
    annotations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  spec:
    accessModes:
      {{- toYaml .Values.persistence.accessModes | nindent 6 }}
    {{- with (include "zookeeper.storageClass" .Values.persistence.dataLog.storageClass | trim) }}
    {{- . | nindent 4 }}
    {{- end }}
    resources:
      requests:
        storage: {{ .Values.persistence.dataLog.size | quote }}
{{- end }}
{{- end -}}
{{- end -}}

{{/*
zookeeper.valuesPrefix: where this chart's values sit for the user: "" for the chart on its
own, "zookeeper." inside the stack umbrella (from the template path, so aliases work too).
*/}}
{{- define "zookeeper.valuesPrefix" -}}
{{- range rest (splitList "/charts/" (trimSuffix "/templates" .Template.BasePath)) -}}{{ . }}.{{- end -}}
{{- end -}}

{{/*
zookeeper.quantityBytes: a Kubernetes quantity (8Gi, 1.5T, 500000000) as a whole number of
bytes, empty when it has another form. The API server stores quantities in canonical
form (1024Mi comes back as 1Gi), so claim sizes are compared as numbers.
*/}}
{{- define "zookeeper.quantityBytes" -}}
{{- $units := dict "" 1 "k" 1000 "M" 1000000 "G" 1000000000 "T" 1000000000000 "P" 1000000000000000 "E" 1000000000000000000 "Ki" 1024 "Mi" 1048576 "Gi" 1073741824 "Ti" 1099511627776 "Pi" 1125899906842624 "Ei" 1152921504606846976 -}}
{{- $q := toString . -}}
{{- if regexMatch "^[0-9]+(\\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$" $q -}}
{{- printf "%.0f" (mulf (regexFind "^[0-9.]+" $q | float64) (get $units (regexReplaceAll "^[0-9.]+" $q ""))) -}}
{{- end -}}
{{- end -}}

{{/*
zookeeper.upgradeGuard: on an upgrade (the StatefulSet exists), fail the render when a value
changed a field the API server refuses to change on a StatefulSet, naming the value, the
old and new setting and the way out. lookup is empty under helm template, helm lint and
a client-side dry run, so those never see it.
*/}}
{{- define "zookeeper.upgradeGuard" -}}
{{- $existing := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "zookeeper.fullname" .) -}}
{{- include "zookeeper.upgradeGuard.compare" (dict "existing" $existing "ctx" .) -}}
{{- end -}}

{{/*
zookeeper.upgradeGuard.compare: the guard's comparison, given {"existing": <StatefulSet as
the API server returns it, or empty>, "ctx": <the chart's context>}. Compares serviceName,
podManagementPolicy, selector.matchLabels and the volumeClaimTemplates (names, labels,
annotations, accessModes, storageClassName, storage request) with this render. A
StatefulSet owned by another release is left alone (helm reports the ownership itself).
*/}}
{{- define "zookeeper.upgradeGuard.compare" -}}
{{- $existing := .existing | default dict -}}
{{- $ctx := .ctx -}}
{{- $owner := dig "metadata" "annotations" "meta.helm.sh/release-name" "" $existing -}}
{{- if and $existing (or (not $owner) (eq $owner $ctx.Release.Name)) -}}
{{- $p := include "zookeeper.valuesPrefix" $ctx -}}
{{- $sts := include "zookeeper.fullname" $ctx -}}
{{- $ns := $ctx.Release.Namespace -}}
{{- $orphan := printf "delete the StatefulSet with `kubectl delete sts %s -n %s --cascade=orphan` (its pods and PVCs keep running) and upgrade again" $sts $ns -}}
{{- /* value names per claim template */ -}}
{{- $sources := dict
  "data" (dict "enabled" "persistence.enabled" "size" "persistence.size" "storageClass" "persistence.storageClass" "accessModes" "persistence.accessModes" "annotations" "persistence.annotations")
  "datalog" (dict "enabled" "persistence.dataLog.enabled" "size" "persistence.dataLog.size" "storageClass" "persistence.dataLog.storageClass" "accessModes" "persistence.accessModes" "annotations" "persistence.annotations")
-}}
{{- $problems := list -}}

{{- /* selector: only nameOverride can change it for the same StatefulSet name */ -}}
{{- $oldSel := dict -}}
{{- range $k, $v := (dig "spec" "selector" "matchLabels" (dict) $existing) -}}{{- $_ := set $oldSel $k (toString $v) -}}{{- end -}}
{{- $newSel := dict -}}
{{- range $k, $v := (include "zookeeper.selectorLabels" $ctx | fromYaml) -}}{{- $_ := set $newSel $k (toString $v) -}}{{- end -}}
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
{{- $newSvc := include "zookeeper.headlessServiceName" $ctx -}}
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
{{- range (include "zookeeper.volumeClaimTemplates" $ctx | fromYamlArray) -}}
{{- $n := dig "metadata" "name" "" . -}}
{{- $_ := set $new $n . -}}
{{- $newNames = append $newNames $n -}}
{{- end -}}
{{- if ne (join "," $oldNames) (join "," $newNames) -}}
{{- if and $oldNames (not $newNames) -}}
{{- $problems = append $problems (printf "%spersistence.enabled: the StatefulSet keeps its data on PVCs, this upgrade sets persistence.enabled false (emptyDirs, lost with each pod). Set %spersistence.enabled back to true; to really drop the volumes, %s (the PVCs %s-%s-N stay behind)." $p $p $orphan (first $oldNames) $sts) -}}
{{- else if and $newNames (not $oldNames) -}}
{{- $problems = append $problems (printf "%spersistence.enabled: the StatefulSet has no volumeClaimTemplates (persistence.enabled false), this upgrade sets it true. Set %spersistence.enabled back to false, or %s: the pods then roll one at a time onto new, empty PVCs (nothing is copied from the emptyDirs)." $p $p $orphan) -}}
{{- else if and (has "data" $oldNames) (has "data" $newNames) (eq (len $oldNames) (add 1 (ternary 1 0 (has "datalog" $oldNames)))) (eq (len $newNames) (add 1 (ternary 1 0 (has "datalog" $newNames)))) -}}
{{- if has "datalog" $newNames -}}
{{- $problems = append $problems (printf "%spersistence.dataLog.enabled: the StatefulSet has no datalog claims, this upgrade sets persistence.dataLog.enabled true. Set %spersistence.dataLog.enabled back to false (enable it on a new cluster: the existing transaction log stays in /data), or %s: the servers then roll one at a time onto new, empty datalog-%s-N claims and resync from the quorum." $p $p $orphan $sts) -}}
{{- else -}}
{{- $problems = append $problems (printf "%spersistence.dataLog.enabled: the StatefulSet keeps the transaction log on the claims datalog-%s-N, this upgrade sets persistence.dataLog.enabled false. Set %spersistence.dataLog.enabled back to true, or %s (the datalog PVCs stay behind)." $p $sts $p $orphan) -}}
{{- end -}}
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
{{- $ob := include "zookeeper.quantityBytes" $os -}}
{{- $nb := include "zookeeper.quantityBytes" $nsz -}}
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
