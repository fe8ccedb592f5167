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

{{/*
The JMX exporter javaagent (metrics.jmx), the same in both roles: each JVM serves its own
MBeans on the metrics port, with the chart's exporter configuration (ConfigMap
<fullname>-metrics). kafka.pod.jmxInit: "true" when the jmx-agent init container copies the
agent jar in (no metrics.jmx.agentPath in the image).
*/}}
{{- define "kafka.pod.jmxInit" -}}
{{- if and .Values.metrics.jmx.enabled (not .Values.metrics.jmx.agentPath) }}true{{ end -}}
{{- end -}}

{{/*
kafka.pod.jmxInitContainer: the jmx-agent init container (an item of initContainers).
*/}}
{{- define "kafka.pod.jmxInitContainer" -}}
{{- $jmx := .Values.metrics.jmx -}}
# The JMX exporter javaagent, copied out of metrics.jmx.image into the jmx-agent
# emptyDir the JVM loads it from (the Kafka image stays as the ASF ships it).
- name: jmx-agent
  image: {{ include "common.image" (dict "Values" (dict "image" $jmx.image "global" .Values.global) "Chart" .Chart) }}
  imagePullPolicy: {{ $jmx.image.pullPolicy }}
  command: ["cp", {{ $jmx.image.jarPath | quote }}, "/opt/kafka/jmx-agent/jmx_prometheus_javaagent.jar"]
  resources:
    {{- toYaml $jmx.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.containerSecurityContext | nindent 4 }}
  volumeMounts:
    - name: jmx-agent
      mountPath: /opt/kafka/jmx-agent
{{- end -}}

{{/*
kafka.pod.jvmOpts: the node JVM's extra flags, given (dict "ctx" . "opts" <kafkaOpts>): the
agent first while metrics.jmx is on. The node JVM alone (start.sh): a tool run with kubectl
exec would clash on the port.
*/}}
{{- define "kafka.pod.jvmOpts" -}}
{{- $jmx := .ctx.Values.metrics.jmx -}}
{{- if $jmx.enabled -}}
{{- trim (printf "-javaagent:%s=%d:/opt/kafka/metrics/jmx-exporter.yaml %s" (include "kafka.metrics.agentPath" .ctx) (int $jmx.containerPort) .opts) -}}
{{- else -}}
{{- .opts -}}
{{- end -}}
{{- end -}}

{{/*
kafka.pod.jmxPort / kafka.pod.jmxMounts / kafka.pod.jmxVolumes: the metrics container port,
the exporter's config and agent mounts, and their volumes (nothing while metrics are off).
*/}}
{{- define "kafka.pod.jmxPort" -}}
{{- if .Values.metrics.jmx.enabled }}
- name: metrics
  containerPort: {{ .Values.metrics.jmx.containerPort }}
  protocol: TCP
{{- end }}
{{- end -}}

{{- define "kafka.pod.jmxMounts" -}}
{{- if .Values.metrics.jmx.enabled }}
- name: metrics
  mountPath: /opt/kafka/metrics
  readOnly: true
{{- end }}
{{- if include "kafka.pod.jmxInit" . }}
- name: jmx-agent
  mountPath: /opt/kafka/jmx-agent
  readOnly: true
{{- end }}
{{- end -}}

{{- define "kafka.pod.jmxVolumes" -}}
{{- if .Values.metrics.jmx.enabled }}
- name: metrics
  configMap:
    name: {{ include "common.metrics.name" (dict "ctx" .) }}
    defaultMode: 0444
{{- end }}
{{- if include "kafka.pod.jmxInit" . }}
# The agent jar (about 1 MB for 1.0.1).
- name: jmx-agent
  emptyDir: {{ include "common.storage.emptyDir" "16Mi" }}
{{- end }}
{{- end -}}
