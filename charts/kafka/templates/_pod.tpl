{{/*
What the brokers' and the KRaft controllers' pods share: their identity's environment, the
JVM's, and the scripts, config, logs and tmp volumes. Both run files/start.sh.
*/}}

{{/*
kafka.pod.identityEnv: the env entries configure.sh reads to compute the node's identity,
given (dict "ctx" . "headless" <headless Service> "offsetName" "BROKER_ID_OFFSET" or
"NODE_ID_OFFSET" "offset" <int> "baseConfig" <the ConfigMap key of its shared settings>
"clusterId" <"true": KAFKA_CLUSTER_ID from Secret <fullname>-kraft>).
Kubernetes does not run a shell on env values: the FQDN is computed in the script.
*/}}
{{- define "kafka.pod.identityEnv" -}}
{{- $ctx := .ctx -}}
# Identity of this pod, read by configure.sh (Kubernetes does not run a shell
# on env values: the FQDN is computed in the script, not here).
- name: POD_NAME
  valueFrom:
    fieldRef:
      fieldPath: metadata.name
- name: POD_NAMESPACE
  valueFrom:
    fieldRef:
      fieldPath: metadata.namespace
- name: HEADLESS_SERVICE
  value: {{ .headless | quote }}
- name: CLUSTER_DOMAIN
  value: {{ $ctx.Values.clusterDomain | quote }}
- name: {{ .offsetName }}
  value: {{ .offset | quote }}
- name: BASE_CONFIG
  value: {{ printf "/opt/kafka/chart/%s" .baseConfig | quote }}
- name: SERVER_PROPERTIES
  value: /opt/kafka/config-generated/server.properties
- name: DATA_LOG_DIR
  value: {{ printf "%s/log" ($ctx.Values.persistence.mountPath | trimSuffix "/") | quote }}
{{- if .clusterId }}
# KRaft: the cluster id every volume is formatted with (Secret <fullname>-kraft).
- name: KAFKA_CLUSTER_ID
  valueFrom:
    secretKeyRef:
      name: {{ include "kafka.clusterIdSecretName" $ctx }}
      key: cluster-id
{{- end }}
{{- end -}}

{{/*
kafka.pod.jvmEnv: the env entries of the node's JVM, given (dict "ctx" . "heapSize" <JVM
size> "opts" <extra JVM flags> "log4j2" <"true": a KRaft node, which Kafka 4 can run>). start.sh hands them to Kafka's scripts as KAFKA_HEAP_OPTS,
KAFKA_OPTS and KAFKA_LOG4J_OPTS for the Kafka process only.
*/}}
{{- define "kafka.pod.jvmEnv" -}}
{{- $ctx := .ctx -}}
# The broker's own JVM settings. start.sh hands them to Kafka's scripts as
# KAFKA_HEAP_OPTS, KAFKA_OPTS and KAFKA_LOG4J_OPTS for the broker process only:
# a tool run with kubectl exec gets the tools' defaults (small heap, warnings
# to stderr), as on a plain Kafka install.
- name: BROKER_HEAP_OPTS
  value: {{ printf "-Xmx%s -Xms%s" .heapSize .heapSize | quote }}
{{- with .opts }}
- name: BROKER_OPTS
  value: {{ . | quote }}
{{- end }}
- name: BROKER_LOG4J_CONFIG
  value: /opt/kafka/chart/log4j.properties
{{- if .log4j2 }}
# Kafka 4 reads log4j 2's file instead (start.sh looks at the image's jars).
- name: BROKER_LOG4J2_CONFIG
  value: /opt/kafka/chart/log4j2.yaml
{{- end }}
# GC logs go to LOG_DIR (an emptyDir bounded by emptyDirSizeLimits.logs).
- name: LOG_DIR
  value: /opt/kafka/logs
# Kafka's tools on PATH, so `kubectl exec <pod> -- kafka-topics.sh ...` works
# as on a plain install. The image's own PATH cannot be extended from here:
# this is the apache/kafka (eclipse-temurin) PATH with /opt/kafka/bin first.
- name: PATH
  value: /opt/kafka/bin:/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
{{- end -}}

{{/*
kafka.pod.baseMounts: the volumeMounts of the scripts, the generated config, the logs, tmp
and the data volume (mounted at persistence.mountPath in both roles).
*/}}
{{- define "kafka.pod.baseMounts" -}}
- name: scripts
  mountPath: /opt/kafka/chart
  readOnly: true
- name: config
  mountPath: /opt/kafka/config-generated
- name: logs
  mountPath: /opt/kafka/logs
- name: tmp
  mountPath: /tmp
- name: data
  mountPath: {{ .Values.persistence.mountPath | trimSuffix "/" }}
{{- end -}}

{{/*
kafka.pod.baseVolumes: the scripts ConfigMap and the bounded config, logs and tmp emptyDirs.
*/}}
{{- define "kafka.pod.baseVolumes" -}}
{{- $sizes := .Values.emptyDirSizeLimits -}}
- name: scripts
  configMap:
    name: {{ include "kafka.fullname" . }}-scripts
    defaultMode: 0444
- name: config
  emptyDir: {{ include "common.storage.emptyDir" $sizes.config }}
- name: logs
  emptyDir: {{ include "common.storage.emptyDir" $sizes.logs }}
- name: tmp
  emptyDir: {{ include "common.storage.emptyDir" $sizes.tmp }}
{{- end -}}
