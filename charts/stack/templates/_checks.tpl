{{/*
stack.problems: combinations of the two subcharts that cannot work, one
"key.path: reason" line each, naming the values to change (common.fail turns them into
one failure). Rendered by templates/checks.yaml, which emits no object.
*/}}
{{- define "stack.problems" -}}
{{- $zk := .Values.zookeeper | default dict -}}
{{- $kafka := .Values.kafka | default dict -}}
{{- $external := dig "externalZookeeper" "connect" "" $kafka -}}
{{- if and $kafka.enabled (dig "kraft" "enabled" false $kafka) }}
{{- /* KRaft: the controllers keep the metadata, no ensemble is needed (stack.warnings: one
still enabled is the migration's last step before its removal) */ -}}
{{- else }}
{{- if and $kafka.enabled (not $zk.enabled) (not $external) }}
kafka.externalZookeeper.connect: empty while zookeeper.enabled is false: Kafka needs a ZooKeeper ensemble; set kafka.externalZookeeper.connect to host:port[,host:port...] or enable zookeeper
{{- end }}
{{- if and $kafka.enabled $zk.enabled $external }}
kafka.externalZookeeper.connect: {{ $external }} is set while the bundled zookeeper is enabled: Kafka would ignore the bundled ensemble; set zookeeper.enabled=false or clear kafka.externalZookeeper.connect
{{- end }}
{{- if and $zk.enabled $kafka.enabled (not $external) }}
{{- include "stack.wiringProblems" . }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
stack.wiringProblems: Kafka finds the bundled ensemble by itself (a subchart cannot read
its sibling's values). When a user renames the ensemble (fullnameOverride, nameOverride),
moves its client port or relabels it, this catches the mismatch at render time instead of
brokers crash-looping on an unknown host or never being scheduled. Both sides come from
the subcharts' own helpers (.Subcharts), so this check cannot drift from the templates.
*/}}
{{- define "stack.wiringProblems" -}}
{{- $zkService := include "zookeeper.fullname" .Subcharts.zookeeper -}}
{{- $kafkaSees := include "kafka.zookeeperServiceName" .Subcharts.kafka -}}
{{- if ne $zkService $kafkaSees }}
kafka.zookeeper.serviceName: the bundled ZooKeeper client Service is {{ $zkService | quote }} but Kafka would connect to {{ $kafkaSees | quote }}: set kafka.zookeeper.serviceName={{ $zkService }}
{{- end }}
{{- $zkPort := int .Values.zookeeper.service.ports.client -}}
{{- $kafkaPort := int .Values.kafka.zookeeper.port -}}
{{- if ne $zkPort $kafkaPort }}
kafka.zookeeper.port: {{ $kafkaPort }} but zookeeper.service.ports.client is {{ $zkPort }}: set kafka.zookeeper.port={{ $zkPort }}
{{- end }}
{{- /* the brokers' ZooKeeper affinity must select the servers' pod labels */ -}}
{{- $preset := .Values.kafka.podAffinityPreset | default "none" -}}
{{- if and (ne $preset "none") (not .Values.kafka.affinity) -}}
{{- $podLabels := include "zookeeper.labels" .Subcharts.zookeeper | fromYaml -}}
{{- $_ := merge $podLabels (.Values.zookeeper.podLabels | default dict) -}}
{{- $wanted := include "kafka.zookeeperSelectorLabels" .Subcharts.kafka | fromYaml -}}
{{- $missing := list -}}
{{- range $k, $v := $wanted -}}
{{- if ne (toString (get $podLabels $k)) (toString $v) -}}{{- $missing = append $missing (printf "%s=%s" $k $v) -}}{{- end -}}
{{- end }}
{{- if $missing }}
kafka.zookeeper.selectorLabels: the brokers' podAffinityPreset ({{ $preset }}) selects ZooKeeper pods labelled {{ join ", " $missing }}, which the bundled ensemble's pods are not{{ if eq $preset "hard" }}: the brokers could never be scheduled{{ end }}; clear kafka.zookeeper.selectorLabels or set it to labels of the ZooKeeper pods
{{- end }}
{{- end }}
{{- include "stack.authProblems" . }}
{{- include "stack.networkPolicyProblems" . }}
{{- end -}}

{{/*
stack.authProblems: ZooKeeper authentication is switched on by two values, one per chart
(zookeeper.auth.client.* on the servers, kafka.zookeeper.auth.* on the brokers). Half of
it fails at run time only: brokers without credentials are refused by an enforcing
ensemble, brokers with credentials the ensemble does not know fail SASL, and znodes created
with zookeeper.set.acl=true become unwritable for a client that cannot authenticate. The
user name and the Secret must agree too.
*/}}
{{- define "stack.authProblems" -}}
{{- $server := .Values.zookeeper.auth.client -}}
{{- $client := .Values.kafka.zookeeper.auth | default dict -}}
{{- $on := $server.enabled | default false -}}
{{- $kafkaOn := $client.enabled | default false -}}
{{- /* on without enforce, Kafka still anonymous: the first step of turning authentication on
for a running cluster (charts/zookeeper/README.md), a warning (stack.warnings) */ -}}
{{- if and $on (not $kafkaOn) $server.enforce }}
kafka.zookeeper.auth.enabled: false while zookeeper.auth.client.enabled is true: the brokers would connect without credentials and the ensemble (zookeeper.auth.client.enforce) would close their sessions; set kafka.zookeeper.auth.enabled=true
{{- else if and $kafkaOn (not $on) }}
kafka.zookeeper.auth.enabled: true while zookeeper.auth.client.enabled is false: the ensemble knows no user and the brokers' SASL login would fail; set zookeeper.auth.client.enabled=true
{{- else if $on }}
{{- $user := $server.username | default "kafka" -}}
{{- $kafkaUser := $client.username | default "kafka" -}}
{{- if ne $user $kafkaUser }}
kafka.zookeeper.auth.username: {{ $kafkaUser | quote }} but the ensemble's user is zookeeper.auth.client.username {{ $user | quote }}: set kafka.zookeeper.auth.username={{ $user }}
{{- end }}
{{- $secret := include "zookeeper.clientSecretName" .Subcharts.zookeeper -}}
{{- $kafkaSecret := $client.existingSecret | default (printf "%s-auth" (include "kafka.zookeeperServiceName" .Subcharts.kafka) | trunc 63 | trimSuffix "-") -}}
{{- if ne $secret $kafkaSecret }}
kafka.zookeeper.auth.existingSecret: the brokers read the ZooKeeper password from Secret {{ $kafkaSecret | quote }} but the ensemble reads it from {{ $secret | quote }}: set kafka.zookeeper.auth.existingSecret={{ $secret }}
{{- end }}
{{- $key := $client.passwordKey | default "client-password" -}}
{{- if and (not $server.existingSecret) (ne $key "client-password") }}
kafka.zookeeper.auth.passwordKey: {{ $key | quote }} is not a key of the ensemble's generated Secret {{ $secret | quote }}, which holds client-password: clear kafka.zookeeper.auth.passwordKey
{{- end }}
{{- end }}
{{- end -}}

{{/*
stack.networkPolicyProblems: the ensemble's NetworkPolicy admits the brokers by labels
(zookeeper.networkPolicy.kafkaSelectorLabels, else instance + component broker). When a
user relabels, the policy would cut Kafka off ZooKeeper on any cluster that enforces it,
which no offline render shows; compare it with the brokers' own pod labels.
*/}}
{{- define "stack.networkPolicyProblems" -}}
{{- $np := .Values.zookeeper.networkPolicy | default dict -}}
{{- if and $np.enabled (not $np.allowExternal) $np.kafkaSelectorLabels -}}
{{- $podLabels := include "kafka.labels" .Subcharts.kafka | fromYaml -}}
{{- $_ := merge $podLabels (.Values.kafka.podLabels | default dict) -}}
{{- $missing := list -}}
{{- range $k, $v := $np.kafkaSelectorLabels -}}
{{- if ne (toString (get $podLabels $k)) (toString $v) -}}{{- $missing = append $missing (printf "%s=%s" $k $v) -}}{{- end -}}
{{- end }}
{{- if $missing }}
zookeeper.networkPolicy.kafkaSelectorLabels: admits pods labelled {{ join ", " $missing }}, which the brokers' pods are not: the policy would cut Kafka off ZooKeeper; clear it or set it to labels of the Kafka pods (kafka.podLabels)
{{- end }}
{{- end }}
{{- end -}}

{{/*
stack.warnings: combinations that work but are rarely meant to stay, one "key.path: reason"
line each (common.warnings in templates/checks.yaml, and the NOTES).
*/}}
{{- define "stack.warnings" -}}
{{- if and .Values.zookeeper.enabled .Values.kafka.enabled (dig "kraft" "enabled" false .Values.kafka) }}
zookeeper.enabled: true while kafka.kraft.enabled is true: KRaft mode uses no ZooKeeper, the ensemble runs for nothing; right after a migration that is its last step, otherwise set zookeeper.enabled=false (environments/kraft.yaml)
{{- end }}
{{- if and .Values.zookeeper.enabled .Values.kafka.enabled -}}
{{- $server := .Values.zookeeper.auth.client -}}
{{- if and $server.enabled (not $server.enforce) (not (dig "zookeeper" "auth" "enabled" false .Values.kafka)) }}
kafka.zookeeper.auth.enabled: false while zookeeper.auth.client.enabled is true: the brokers connect anonymously and create their znodes without ACLs; this is the first step of turning authentication on for a running cluster, the next sets kafka.zookeeper.auth.enabled=true (charts/zookeeper/README.md, Authentication)
{{- end }}
{{- end }}
{{- end -}}
