{{/*
The zookeeper chart's helpers. Names, labels, image, probes, claims and the upgrade guard
come from the common library chart (charts/common), shared with the kafka chart; what
stays here is ZooKeeper's own logic: the quorum budget, zoo.cfg and the checks on them.
*/}}

{{- define "zookeeper.name" -}}{{ include "common.names.name" . }}{{- end -}}
{{- define "zookeeper.fullname" -}}{{ include "common.names.fullname" . }}{{- end -}}
{{- define "zookeeper.headlessServiceName" -}}{{ include "common.names.headless" . }}{{- end -}}
{{- define "zookeeper.serviceAccountName" -}}{{ include "common.names.serviceAccount" . }}{{- end -}}
{{- define "zookeeper.image" -}}{{ include "common.image" . }}{{- end -}}

{{/*
zookeeper.selectorLabels: name, instance and component "zookeeper". Every selector of the
chart (StatefulSet, Services, PDB, anti-affinity, topology spread) uses exactly these; the
kafka chart's affinity to ZooKeeper uses instance + component, which nameOverride keeps.
*/}}
{{- define "zookeeper.selectorLabels" -}}
{{ include "common.labels.selector" (dict "ctx" . "component" "zookeeper") }}
{{- end -}}

{{/*
zookeeper.labels: the standard label set of the ensemble's objects.
*/}}
{{- define "zookeeper.labels" -}}
{{ include "common.labels.standard" (dict "ctx" . "component" "zookeeper") }}
{{- end -}}

{{/*
zookeeper.testLabels: the helm test pod's labels: component "test", so that no selector
of the chart (Services, PDB) ever matches it.
*/}}
{{- define "zookeeper.testLabels" -}}
{{ include "common.labels.standard" (dict "ctx" . "component" "test") }}
{{- end -}}

{{/*
zookeeper.scriptsConfigMapName: the ConfigMap holding files/*.sh.
*/}}
{{- define "zookeeper.scriptsConfigMapName" -}}
{{- printf "%s-scripts" (include "zookeeper.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
zookeeper.authSecretName: the chart-generated Secret of passwords (<fullname>-auth), used
for each of auth.client and auth.quorum whose existingSecret is empty.
*/}}
{{- define "zookeeper.authSecretName" -}}
{{- printf "%s-auth" (include "zookeeper.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
zookeeper.clientSecretName, zookeeper.quorumSecretName: the Secret holding client-password
(auth.client) and quorum-password (auth.quorum): existingSecret, or the generated one.
*/}}
{{- define "zookeeper.clientSecretName" -}}
{{- .Values.auth.client.existingSecret | default (include "zookeeper.authSecretName" .) -}}
{{- end -}}
{{- define "zookeeper.quorumSecretName" -}}
{{- .Values.auth.quorum.existingSecret | default (include "zookeeper.authSecretName" .) -}}
{{- end -}}

{{/*
zookeeper.generatedSecretKeys: the keys the chart-generated Secret holds, space-separated
(empty: no Secret is generated): client-password for auth.client, quorum-password for
auth.quorum, each when enabled without an existingSecret.
*/}}
{{- define "zookeeper.generatedSecretKeys" -}}
{{- $a := .Values.auth -}}
{{- $keys := list -}}
{{- if and $a.client.enabled (not $a.client.existingSecret) }}{{ $keys = append $keys "client-password" }}{{ end -}}
{{- if and $a.quorum.enabled (not $a.quorum.existingSecret) }}{{ $keys = append $keys "quorum-password" }}{{ end -}}
{{- join " " $keys -}}
{{- end -}}

{{/*
zookeeper.authSecret: the chart-generated Secret <fullname>-auth, when auth.client or
auth.quorum needs one (zookeeper.generatedSecretKeys). Each password is random on first
install and taken from .existing (the Secret as the API server returns it: lookup in
secret-auth.yaml, a fixture in the tests) afterwards, so no upgrade ever changes it.
({"ctx": ., "existing": the Secret or empty})
*/}}
{{- define "zookeeper.authSecret" -}}
{{- $ctx := .ctx -}}
{{- $keys := include "zookeeper.generatedSecretKeys" $ctx | splitList " " | compact -}}
{{- if $keys -}}
# The passwords of auth.client / auth.quorum without an existingSecret: random on first
# install, then read back from the cluster (lookup), so that no upgrade changes them.
# helm template cannot look anything up and renders new random ones (stackctl redacts them).
# No pod carries a checksum of this Secret: a new password takes effect at the next roll.
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "zookeeper.authSecretName" $ctx }}
  namespace: {{ $ctx.Release.Namespace }}
  labels:
    {{- include "zookeeper.labels" $ctx | nindent 4 }}
type: Opaque
data:
  {{- include "common.secrets.passwords" (dict "existing" .existing "keys" $keys) | nindent 2 }}
{{- end -}}
{{- end -}}

{{/*
zookeeper.jaasEnabled: "true" when the servers need a JAAS file (client or quorum SASL).
*/}}
{{- define "zookeeper.jaasEnabled" -}}
{{- if or .Values.auth.client.enabled .Values.auth.quorum.enabled }}true{{ end -}}
{{- end -}}

{{/*
zookeeper.quorum: the number of servers that make a majority (replicas/2 + 1).
*/}}
{{- define "zookeeper.quorum" -}}
{{- add (div (int .Values.replicaCount) 2) 1 -}}
{{- end -}}

{{/*
zookeeper.pdbBudget: the PodDisruptionBudget's bound. pdb.minAvailable or
pdb.maxUnavailable when set; otherwise maxUnavailable = replicas - quorum, so a drain
never takes the ensemble below its quorum: 2 servers: 0 (either one lost loses the
quorum: drains wait, and a warning says so), 3: 1, 4: 1, 5: 2, 7: 3. A single server
runs standalone with no quorum to keep: 1, so a drain is never blocked.
*/}}
{{- define "zookeeper.pdbBudget" -}}
{{- $replicas := int .Values.replicaCount -}}
{{- $budget := ternary 1 (sub $replicas (int (include "zookeeper.quorum" .))) (eq $replicas 1) -}}
{{- include "common.pdb.budget" (dict "pdb" .Values.pdb "default" (dict "maxUnavailable" $budget)) -}}
{{- end -}}

{{/*
zookeeper.problems: every render-time problem of the values, one "key.path: reason" line
each (common.fail turns them into one failure).
*/}}
{{- define "zookeeper.problems" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $v := .Values -}}
{{- $words := $v.fourLetterWordsWhitelist }}
{{- if not (or (has "*" $words) (and (has "ruok" $words) (has "srvr" $words))) }}
{{ $p }}fourLetterWordsWhitelist: must contain ruok and srvr (the liveness and readiness probes send them)
{{- end }}
{{- range $old := list "server" "election" }}
{{- if hasKey $v.service.ports $old }}
{{ $p }}service.ports.{{ $old }}: moved to {{ $p }}containerPorts.{{ $old }}: peers connect to the pods directly, so the servers' own ports are container ports
{{- end }}
{{- end }}
{{- $ports := $v.containerPorts }}
{{- $used := list (int $ports.client) (int $ports.server) (int $ports.election) }}
{{- if $v.adminServer.enabled }}{{ $used = append $used (int $v.adminServer.port) }}{{ end }}
{{- if $v.metrics.enabled }}{{ $used = append $used (int $v.metrics.containerPort) }}{{ end }}
{{- if ne (len $used) (len (uniq $used)) }}
{{ $p }}containerPorts: client ({{ $ports.client }}), server ({{ $ports.server }}), election ({{ $ports.election }}){{ if $v.adminServer.enabled }}, {{ $p }}adminServer.port ({{ $v.adminServer.port }}){{ end }}{{ if $v.metrics.enabled }}, {{ $p }}metrics.containerPort ({{ $v.metrics.containerPort }}){{ end }} must be different ports
{{- end }}
{{- with (include "common.check.heap" (dict "heap" $v.heapSize "heapKey" (printf "%sheapSize" $p) "limit" (dig "limits" "memory" "" ($v.resources | default dict)) "limitKey" (printf "%sresources.limits.memory" $p))) }}
{{ . }}
{{- end }}
{{- include "common.check.pdb" (dict "pdb" $v.pdb "replicas" $v.replicaCount "prefix" $p) }}
{{- $reserved := list "tickTime" "initLimit" "syncLimit" "dataDir" "dataLogDir" "clientPort" "maxClientCnxns" "autopurge.snapRetainCount" "autopurge.purgeInterval" "standaloneEnabled" "quorumListenOnAllIPs" "4lw.commands.whitelist" "admin.enableServer" "admin.serverPort" "authProvider.sasl" "enforce.auth.enabled" "enforce.auth.schemes" "quorum.auth.enableSasl" "quorum.auth.learnerRequireSasl" "quorum.auth.serverRequireSasl" "quorum.auth.learner.saslLoginContext" "quorum.auth.server.saslLoginContext" "metricsProvider.className" "metricsProvider.httpPort" "metricsProvider.exportJvmInfo" }}
{{- range $key, $_ := $v.config }}
{{- if has $key $reserved }}
{{ $p }}config.{{ $key }}: set by the chart from a typed value; use that value instead (see the chart's README)
{{- else if regexMatch "^server\\.[0-9]+$" $key }}
{{ $p }}config.{{ $key }}: the server list is computed from {{ $p }}replicaCount and cannot be set
{{- end }}
{{- end }}
{{- $auth := $v.auth }}
{{- if and $auth.client.enforce (not $auth.client.enabled) }}
{{ $p }}auth.client.enforce: needs {{ $p }}auth.client.enabled (without the SASL provider no client could ever authenticate)
{{- end }}
{{- if and (include "zookeeper.jaasEnabled" .) (contains "java.security.auth.login.config" $v.jvmFlags) }}
{{ $p }}jvmFlags: -Djava.security.auth.login.config is set by the chart (the JAAS file it writes from the Secret) when {{ $p }}auth.client.enabled or {{ $p }}auth.quorum.enabled
{{- end }}
{{- range $side := list "client" "quorum" }}
{{- $cfg := index $auth $side }}
{{- if and $cfg.enabled $cfg.existingSecret }}
{{- $secret := lookup "v1" "Secret" $.Release.Namespace $cfg.existingSecret }}
{{- if and $secret (not (hasKey (dig "data" dict $secret) (printf "%s-password" $side))) }}
{{ $p }}auth.{{ $side }}.existingSecret: Secret {{ $cfg.existingSecret }} has no key {{ $side }}-password
{{- end }}
{{- end }}
{{- end }}
{{- include "common.metrics.problems" (include "zookeeper.metrics.args" . | fromYaml | merge (dict "ctx" .)) }}
{{- end -}}

{{/*
zookeeper.warnings: what renders but is probably not what the user wants, one
"key.path: reason" line each (common.warnings, NOTES.txt).
*/}}
{{- define "zookeeper.warnings" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $replicas := int .Values.replicaCount -}}
{{- $quorum := int (include "zookeeper.quorum" .) -}}
{{- if and (gt $replicas 1) (eq (mod $replicas 2) 0) }}
{{ $p }}replicaCount: {{ $replicas }} servers (an even number) need {{ $quorum }} for a quorum, so they survive the loss of {{ sub $replicas $quorum }}, no more than {{ sub $replicas 1 }} would{{ if eq $replicas 2 }}; the PodDisruptionBudget therefore allows no voluntary disruption and node drains wait{{ end }}: use an odd number (3 or 5)
{{- end }}
{{- if .Values.pdb.create }}
{{- $max := .Values.pdb.maxUnavailable }}
{{- if and (not (kindIs "invalid" $max)) (regexMatch "^0+%?$" (toString $max)) }}
{{ $p }}pdb.maxUnavailable: {{ $max }} allows no voluntary disruption: every node drain waits until it is changed
{{- end }}
{{- end }}
{{- if and .Values.auth.quorum.enabled (eq $replicas 1) }}
{{ $p }}auth.quorum.enabled: a single server runs standalone and has no peers to authenticate: quorum SASL only takes effect with more than one replica
{{- end }}
{{- end -}}

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
{{- end -}}

{{/*
zookeeper.volumeClaimTemplates: the StatefulSet's volumeClaimTemplates entries (a YAML
list: data, and datalog with persistence.dataLog.enabled), empty when persistence is off.
statefulset.yaml and the upgrade guard both render it, so the guard compares exactly what
an upgrade would send.
*/}}
{{- define "zookeeper.volumeClaimTemplates" -}}
{{- $p := .Values.persistence -}}
{{- if $p.enabled -}}
{{- $labels := include "zookeeper.selectorLabels" . -}}
{{ include "common.storage.claimTemplate" (dict "name" "data" "labels" $labels "size" $p.size "storageClass" $p.storageClass "accessModes" $p.accessModes "annotations" $p.annotations) }}
{{- if $p.dataLog.enabled }}
{{ include "common.storage.claimTemplate" (dict "name" "datalog" "labels" $labels "size" $p.dataLog.size "storageClass" $p.dataLog.storageClass "accessModes" $p.accessModes "annotations" $p.annotations) }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
zookeeper.upgradeGuard: refuse an upgrade that changes what the existing StatefulSet
cannot change (common.upgradeGuard), looked up live; .compare takes the StatefulSet given
({"existing": ..., "ctx": .}), which is what the tests feed it.
*/}}
{{- define "zookeeper.upgradeGuard" -}}
{{- $existing := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "zookeeper.fullname" .) -}}
{{- include "zookeeper.upgradeGuard.compare" (dict "existing" $existing "ctx" .) -}}
{{- end -}}

{{- define "zookeeper.upgradeGuard.compare" -}}
{{- $ctx := .ctx -}}
{{- $sources := dict
  "data" (dict "enabled" "persistence.enabled" "size" "persistence.size" "storageClass" "persistence.storageClass" "accessModes" "persistence.accessModes" "annotations" "persistence.annotations")
  "datalog" (dict "enabled" "persistence.dataLog.enabled" "size" "persistence.dataLog.size" "storageClass" "persistence.dataLog.storageClass" "accessModes" "persistence.accessModes" "annotations" "persistence.annotations" "holds" "the transaction log" "addHint" " (enable it on a new cluster: the existing transaction log stays in /data)" "addAfter" " and resync from the quorum")
-}}
{{- include "common.upgradeGuard" (dict "ctx" $ctx "existing" .existing "name" (include "zookeeper.fullname" $ctx) "selector" (include "zookeeper.selectorLabels" $ctx) "serviceName" (include "zookeeper.headlessServiceName" $ctx) "claims" (include "zookeeper.volumeClaimTemplates" $ctx) "sources" $sources "primary" "data") -}}
{{- end -}}

{{/*
zookeeper.metrics.args: what the common metrics helpers (charts/common/templates/_metrics.tpl)
need from this chart, as YAML: merge it with (dict "ctx" .).
*/}}
{{- define "zookeeper.metrics.args" -}}
{{- toYaml (dict "on" .Values.metrics.enabled "onKey" "metrics.enabled" "selector" (include "zookeeper.selectorLabels" .) "labels" (include "zookeeper.labels" .)) -}}
{{- end -}}
