{{/*
stack.problems: combinations of the two subcharts that cannot work, one
"key.path: reason" line each, naming the values to change (common.fail turns them into
one failure). Rendered by templates/checks.yaml, which emits no object.
*/}}
{{- define "stack.problems" -}}
{{- $zk := .Values.zookeeper | default dict -}}
{{- $kafka := .Values.kafka | default dict -}}
{{- $external := dig "externalZookeeper" "connect" "" $kafka -}}
{{- if and $kafka.enabled (not $zk.enabled) (not $external) }}
kafka.externalZookeeper.connect: empty while zookeeper.enabled is false: Kafka needs a ZooKeeper ensemble; set kafka.externalZookeeper.connect to host:port[,host:port...] or enable zookeeper
{{- end }}
{{- if and $kafka.enabled $zk.enabled $external }}
kafka.externalZookeeper.connect: {{ $external }} is set while the bundled zookeeper is enabled: Kafka would ignore the bundled ensemble; set zookeeper.enabled=false or clear kafka.externalZookeeper.connect
{{- end }}
{{- if and $zk.enabled $kafka.enabled (not $external) }}
{{- include "stack.wiringProblems" . }}
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
{{- end -}}
