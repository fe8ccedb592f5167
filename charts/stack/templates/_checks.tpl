{{/*
stack.checks: fail at render time for combinations that cannot work, naming the values
to change. Rendered by templates/checks.yaml, which emits no object.
*/}}
{{- define "stack.checks" -}}
{{- $zk := .Values.zookeeper | default dict -}}
{{- $kafka := .Values.kafka | default dict -}}
{{- $external := dig "externalZookeeper" "connect" "" $kafka -}}
{{- if and $kafka.enabled (not $zk.enabled) (not $external) -}}
{{- fail "zookeeper.enabled is false but kafka.externalZookeeper.connect is empty: Kafka needs a ZooKeeper ensemble (set kafka.externalZookeeper.connect to host:port[,host:port...] or enable zookeeper)" -}}
{{- end -}}
{{- if and $kafka.enabled $zk.enabled $external -}}
{{- fail (printf "kafka.externalZookeeper.connect is set (%s) while the bundled zookeeper is enabled: Kafka would ignore the bundled ensemble; set zookeeper.enabled=false or clear kafka.externalZookeeper.connect" $external) -}}
{{- end -}}
{{- end -}}

{{/*
stack.wiringChecks: Kafka computes the bundled ensemble's Service name itself (a subchart
cannot read its sibling's values). When a user renames the ensemble (fullnameOverride,
nameOverride) or moves its client port, this catches the mismatch at render time instead
of brokers crash-looping on an unknown host. The subcharts' own helpers compute both
sides, so this check cannot drift from the templates.
*/}}
{{- define "stack.wiringChecks" -}}
{{- if and .Values.zookeeper.enabled .Values.kafka.enabled (not (dig "externalZookeeper" "connect" "" .Values.kafka)) -}}
{{- $zkService := include "zookeeper.fullname" .Subcharts.zookeeper -}}
{{- $kafkaSees := include "kafka.zookeeperServiceName" .Subcharts.kafka -}}
{{- if ne $zkService $kafkaSees -}}
{{- fail (printf "the bundled ZooKeeper client Service is %q but Kafka would connect to %q: set kafka.zookeeper.serviceName=%s" $zkService $kafkaSees $zkService) -}}
{{- end -}}
{{- $zkPort := int .Values.zookeeper.service.ports.client -}}
{{- $kafkaPort := int .Values.kafka.zookeeper.port -}}
{{- if ne $zkPort $kafkaPort -}}
{{- fail (printf "zookeeper.service.ports.client is %d but kafka.zookeeper.port is %d: set kafka.zookeeper.port=%d" $zkPort $kafkaPort $zkPort) -}}
{{- end -}}
{{- end -}}
{{- end -}}
