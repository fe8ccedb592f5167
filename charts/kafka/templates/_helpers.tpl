{{/*
The kafka chart's helpers. Names, labels, image, probes, claims and the upgrade guard come
from the common library chart (charts/common), shared with the zookeeper chart; what
stays here is Kafka's own logic: server.properties, the keys the chart owns, replication
sized to the broker count, and the way to the ZooKeeper ensemble.
*/}}

{{- define "kafka.name" -}}{{ include "common.names.name" . }}{{- end -}}
{{- define "kafka.fullname" -}}{{ include "common.names.fullname" . }}{{- end -}}
{{- define "kafka.headlessServiceName" -}}{{ include "common.names.headless" . }}{{- end -}}
{{- define "kafka.serviceAccountName" -}}{{ include "common.names.serviceAccount" . }}{{- end -}}
{{- define "kafka.image" -}}
{{- include "common.image" (dict "Values" (dict "image" (merge (dict "tag" (include "kafka.imageTag" .)) (omit .Values.image "tag")) "global" .Values.global) "Chart" .Chart) -}}
{{- end -}}

{{/*
kafka.selectorLabels: name, instance and component "broker", used by every selector of the
chart (StatefulSet, Services, PDB, anti-affinity, topology spread). Never add to these:
a StatefulSet's selector is immutable.
*/}}
{{- define "kafka.selectorLabels" -}}
{{ include "common.labels.selector" (dict "ctx" . "component" "broker") }}
{{- end -}}

{{/*
kafka.labels: the standard label set of the broker objects.
*/}}
{{- define "kafka.labels" -}}
{{ include "common.labels.standard" (dict "ctx" . "component" "broker" "version" (include "kafka.imageTag" .)) }}
{{- end -}}

{{/*
kafka.testLabels: the helm test pod's labels: component "test", so that no selector of
the brokers (Services, PDB) matches it.
*/}}
{{- define "kafka.testLabels" -}}
{{ include "common.labels.standard" (dict "ctx" . "component" "test" "version" (include "kafka.imageTag" .)) }}
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
bundled ensemble's client Service; zookeeper.chroot appended in both cases (a connect
string with a chroot of its own plus zookeeper.chroot is a problem, see kafka.problems).
*/}}
{{- define "kafka.zookeeperConnect" -}}
{{- $connect := "" -}}
{{- if .Values.externalZookeeper.connect -}}
{{- $connect = .Values.externalZookeeper.connect -}}
{{- else -}}
{{- $connect = printf "%s:%d" (include "kafka.zookeeperServiceName" .) (int .Values.zookeeper.port) -}}
{{- end -}}
{{- with .Values.zookeeper.chroot -}}
{{- if not (contains "/" $connect) -}}{{- $connect = printf "%s%s" $connect . -}}{{- end -}}
{{- end -}}
{{- $connect -}}
{{- end -}}

{{/*
kafka.zookeeperSelectorLabels: labels that find this release's ZooKeeper pods for
podAffinityPreset: zookeeper.selectorLabels, else the release and the component the
zookeeper chart gives its servers. Not the name label: nameOverride changes it, and a
selector that matches nothing would leave hard-affinity brokers unschedulable. The stack
checks these against the zookeeper chart's own pod labels (stack.wiringChecks).
*/}}
{{- define "kafka.zookeeperSelectorLabels" -}}
{{- if .Values.zookeeper.selectorLabels -}}
{{- toYaml .Values.zookeeper.selectorLabels -}}
{{- else -}}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: zookeeper
{{- end -}}
{{- end -}}

{{/*
kafka.listenerProtocols: the security protocol of each listener name (a YAML map): CLIENT
(listeners.client), INTERNAL (listeners.interbroker) and, with externalAccess.enabled,
EXTERNAL (listeners.external; "" = the client listener's protocol).
*/}}
{{- define "kafka.listenerProtocols" -}}
CLIENT: {{ .Values.listeners.client.protocol }}
INTERNAL: {{ .Values.listeners.interbroker.protocol }}
{{- if .Values.externalAccess.enabled }}
EXTERNAL: {{ .Values.listeners.external.protocol | default .Values.listeners.client.protocol }}
{{- end }}
{{- end -}}

{{/*
kafka.tlsEnabled: "true" when a listener runs SSL or SASL_SSL, else "".
*/}}
{{- define "kafka.tlsEnabled" -}}
{{- range $name, $protocol := include "kafka.listenerProtocols" . | fromYaml -}}
{{- if hasSuffix "SSL" $protocol -}}true{{- break -}}{{- end -}}
{{- end -}}
{{- end -}}

{{/*
kafka.saslEnabled: "true" when a listener runs SASL_PLAINTEXT or SASL_SSL, else "".
*/}}
{{- define "kafka.saslEnabled" -}}
{{- range $name, $protocol := include "kafka.listenerProtocols" . | fromYaml -}}
{{- if hasPrefix "SASL_" $protocol -}}true{{- break -}}{{- end -}}
{{- end -}}
{{- end -}}

{{/*
kafka.tlsSecretName: the Secret with tls.crt, tls.key and ca.crt: tls.existingSecret, else
<fullname>-tls (written by cert-manager or generated by the chart).
*/}}
{{- define "kafka.tlsSecretName" -}}
{{- .Values.tls.existingSecret | default (printf "%s-tls" (include "kafka.fullname" .)) -}}
{{- end -}}

{{/*
kafka.usersSecretName: the Secret with one password per SASL user (key = user name):
auth.existingSecret, else the chart-generated <fullname>-users.
*/}}
{{- define "kafka.usersSecretName" -}}
{{- .Values.auth.existingSecret | default (printf "%s-users" (include "kafka.fullname" .)) -}}
{{- end -}}

{{/*
kafka.saslUsers: every SASL user (a YAML list): auth.users, then auth.interBrokerUser.
*/}}
{{- define "kafka.saslUsers" -}}
{{- toYaml (concat .Values.auth.users (list .Values.auth.interBrokerUser) | uniq) -}}
{{- end -}}

{{/*
kafka.zookeeperAuthSecretName: the Secret with the ZooKeeper client password:
zookeeper.auth.existingSecret, else the bundled zookeeper chart's <service>-auth.
*/}}
{{- define "kafka.zookeeperAuthSecretName" -}}
{{- .Values.zookeeper.auth.existingSecret | default (printf "%s-auth" (include "kafka.zookeeperServiceName" .)) -}}
{{- end -}}

{{/*
kafka.tlsBaseDnsNames: the in-cluster names the brokers' certificate covers (a YAML list):
every broker on the headless Service (a wildcard, so scale-out stays covered), the
headless and the client Service, short and qualified. What chart versions before 0.4
generated certificates for.
*/}}
{{- define "kafka.tlsBaseDnsNames" -}}
{{- $ns := .Release.Namespace -}}
{{- $cd := .Values.clusterDomain -}}
{{- $names := list (printf "*.%s.%s.svc.%s" (include "kafka.headlessServiceName" .) $ns $cd) -}}
{{- range $svc := list (include "kafka.headlessServiceName" .) (include "kafka.fullname" .) -}}
{{- $names = concat $names (list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.%s" $svc $ns $cd)) -}}
{{- end -}}
{{- toYaml $names -}}
{{- end -}}

{{/*
kafka.tlsDnsNames: every DNS name of the brokers' certificate (a YAML list): the in-cluster
names, then the external ones and tls.extraSans (kafka.external.sans) that are not IPs.
*/}}
{{- define "kafka.tlsDnsNames" -}}
{{- $names := include "kafka.tlsBaseDnsNames" . | fromYamlArray -}}
{{- range include "kafka.external.sans" . | fromYamlArray -}}
{{- if not (include "kafka.isIP" .) -}}{{- $names = append $names . -}}{{- end -}}
{{- end -}}
{{- toYaml (uniq $names) -}}
{{- end -}}

{{/*
kafka.tlsIpAddresses: the IP SANs of the brokers' certificate (a YAML list, maybe empty):
the IPs of kafka.external.sans (external hosts, loadBalancerIPs, tls.extraSans).
*/}}
{{- define "kafka.tlsIpAddresses" -}}
{{- $ips := list -}}
{{- range include "kafka.external.sans" . | fromYamlArray -}}
{{- if include "kafka.isIP" . -}}{{- $ips = append $ips . -}}{{- end -}}
{{- end -}}
{{- toYaml $ips -}}
{{- end -}}

{{/*
kafka.tlsNames: what the generated certificate must cover, as one sorted, comma-separated
string (DNS names and IPs): the annotation kafka.chart/tls-names of the generated Secret.
*/}}
{{- define "kafka.tlsNames" -}}
{{- concat (include "kafka.tlsDnsNames" . | fromYamlArray) (include "kafka.tlsIpAddresses" . | fromYamlArray) | uniq | sortAlpha | join "," -}}
{{- end -}}

{{/*
kafka.tlsSecretKept: "true" when the generated Secret that exists is kept, given (dict
"existing" <looked-up Secret or empty> "ctx" .): it has tls.crt, tls.key and ca.crt, and its
certificate covers every name kafka.tlsNames asks for (its annotation
kafka.chart/tls-names; a Secret without one, from a chart before 0.4, covers
kafka.tlsBaseDnsNames). A certificate that no longer names every broker address is
signed again (kafka.tlsSecretData).
*/}}
{{- define "kafka.tlsSecretKept" -}}
{{- $old := .existing | default dict -}}
{{- if and (dig "data" "tls.crt" "" $old) (dig "data" "tls.key" "" $old) (dig "data" "ca.crt" "" $old) -}}
{{- $covered := splitList "," (include "kafka.tlsSecretCovers" .) -}}
{{- $missing := false -}}
{{- range splitList "," (include "kafka.tlsNames" .ctx) -}}{{- if not (has . $covered) -}}{{- $missing = true -}}{{- end -}}{{- end -}}
{{- if not $missing -}}true{{- end -}}
{{- end -}}
{{- end -}}

{{/*
kafka.tlsSecretCovers: the names (comma-separated) the existing generated Secret's
certificate covers, given (dict "existing" ... "ctx" .); see kafka.tlsSecretKept.
*/}}
{{- define "kafka.tlsSecretCovers" -}}
{{- $old := .existing | default dict -}}
{{- dig "metadata" "annotations" "kafka.chart/tls-names" "" $old | default (include "kafka.tlsBaseDnsNames" .ctx | fromYamlArray | sortAlpha | join ",") -}}
{{- end -}}

{{/*
kafka.tlsCaSecretName: where the chart keeps the CA key of the certificate it generates
(<fullname>-tls-ca, mounted by no pod), so a certificate that must name more is signed again
by the same CA: a new CA would split the brokers (those started since would trust only it).
*/}}
{{- define "kafka.tlsCaSecretName" -}}
{{- printf "%s-tls-ca" (include "kafka.fullname" .) -}}
{{- end -}}

{{/*
kafka.tlsSecretData: the data of the generated TLS Secret and of its CA Secret, one YAML map
(base64 values; "ca.key" goes to the CA Secret only), given (dict "existing" <looked-up TLS
Secret or empty> "ca" <looked-up CA Secret or empty> "ctx" .):
- the existing tls.crt, tls.key, ca.crt when they cover every name (kafka.tlsSecretKept);
- else a certificate for kafka.tlsDnsNames and kafka.tlsIpAddresses signed by the kept CA
  (the CA Secret's ca.crt and ca.key), so every broker and client keeps trusting ca.crt;
- else, when no whole certificate exists yet (none, or a Secret missing a key), a new CA
  and certificate;
- else (a certificate from before 0.4, whose CA key was never kept) the render fails: a new
  CA would split the running brokers.
The tests feed "existing" and "ca" directly (lookup is empty under helm template).
*/}}
{{- define "kafka.tlsSecretData" -}}
{{- $ctx := .ctx -}}
{{- $old := .existing | default dict -}}
{{- $kept := .ca | default dict -}}
{{- $caKey := dig "data" "ca.key" "" $kept -}}
{{- $caCrt := dig "data" "ca.crt" "" $kept -}}
{{- $days := int $ctx.Values.tls.generated.validityDays -}}
{{- $fullname := include "kafka.fullname" $ctx -}}
{{- $ips := include "kafka.tlsIpAddresses" $ctx | fromYamlArray -}}
{{- $dns := include "kafka.tlsDnsNames" $ctx | fromYamlArray -}}
{{- if include "kafka.tlsSecretKept" . -}}
{{- $data := pick $old.data "tls.crt" "tls.key" "ca.crt" -}}
{{- if and $caKey (eq $caCrt (get $old.data "ca.crt")) -}}{{- $_ := set $data "ca.key" $caKey -}}{{- end -}}
{{- toYaml $data -}}
{{- else if and $caKey $caCrt -}}
{{- $ca := buildCustomCert $caCrt $caKey -}}
{{- $cert := genSignedCert $fullname $ips $dns $days $ca -}}
{{- toYaml (dict "tls.crt" ($cert.Cert | b64enc) "tls.key" ($cert.Key | b64enc) "ca.crt" $caCrt "ca.key" $caKey) -}}
{{- else if and (dig "data" "tls.crt" "" $old) (dig "data" "tls.key" "" $old) (dig "data" "ca.crt" "" $old) -}}
{{- $covered := splitList "," (include "kafka.tlsSecretCovers" .) -}}
{{- $missing := list -}}
{{- range splitList "," (include "kafka.tlsNames" $ctx) -}}{{- if not (has . $covered) -}}{{- $missing = append $missing . -}}{{- end -}}{{- end -}}
{{- fail (printf "\n%stls: the certificate the chart generated in Secret %s does not name %s, and its CA key was not kept (Secret %s: a release before 0.4, or deleted): a certificate from a new CA would split the brokers, since each one restarted later would trust only the new CA and refuse the others. Give a certificate of your own in %stls.existingSecret or a cert-manager issuer in %stls.certManager.issuerRef; or, accepting a short outage, delete Secret %s, upgrade, and restart every broker at once (kubectl delete pod -l app.kubernetes.io/instance=%s,app.kubernetes.io/component=broker); clients then need the new ca.crt" (include "common.names.valuesPrefix" $ctx) (include "kafka.tlsSecretName" $ctx) (join ", " $missing) (include "kafka.tlsCaSecretName" $ctx) (include "common.names.valuesPrefix" $ctx) (include "common.names.valuesPrefix" $ctx) (include "kafka.tlsSecretName" $ctx) $ctx.Release.Name) -}}
{{- else -}}
{{- $ca := genCA (printf "%s-ca" $fullname) $days -}}
{{- $cert := genSignedCert $fullname $ips $dns $days $ca -}}
{{- toYaml (dict "tls.crt" ($cert.Cert | b64enc) "tls.key" ($cert.Key | b64enc) "ca.crt" ($ca.Cert | b64enc) "ca.key" ($ca.Key | b64enc)) -}}
{{- end -}}
{{- end -}}

{{/*
kafka.usersSecretData: the data of the generated users Secret (YAML, base64 values): one
key per SASL user, its password from the existing Secret when it has that key, else 32
random alphanumerics. Given (dict "existing" <looked-up Secret or empty> "ctx" .).
*/}}
{{- define "kafka.usersSecretData" -}}
{{- include "common.secrets.passwords" (dict "existing" .existing "keys" (include "kafka.saslUsers" .ctx | fromYamlArray)) -}}
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
kafka.rackRoleName: the ClusterRole and ClusterRoleBinding of rackAwareness. Cluster-scoped,
so the namespace is part of the name: two releases of the same name in two namespaces do
not share one.
*/}}
{{- define "kafka.rackRoleName" -}}
{{- printf "%s-%s-rack" .Release.Namespace (include "kafka.fullname" .) | trunc 253 | trimSuffix "-" -}}
{{- end -}}

{{/*
kafka.ownedKeys: the server.properties keys the chart owns, as a YAML map from the key (a
trailing "*" is a prefix) to what sets it. `config` may not set them: a broker's identity,
listeners, security and metadata connection are computed together, and a stray override of
one of them breaks the others (zookeeper.connect in config would point the brokers away
from the ensemble the chart wires up). The security, external-access and KRaft settings of
later versions own their keys already, so no values file starts to depend on them here.
*/}}
{{- define "kafka.ownedKeys" -}}
{{- $identity := "the broker's identity, computed per pod by the chart's script from the pod ordinal and brokerIdOffset" -}}
{{- $listeners := "the listeners: listeners.client and listeners.interbroker (advertised per pod by the chart's script)" -}}
{{- $security := "TLS and SASL, which the chart configures together with the listeners: listeners.*.protocol, tls and auth" -}}
{{- $zk := "the ZooKeeper connection: the bundled ensemble, or externalZookeeper.connect (with the bundled one disabled)" -}}
{{- $zkAuth := "the ZooKeeper client's security, which the chart configures together with the ensemble" -}}
{{- $kraft := "KRaft mode: kraft.enabled, kraft.combined, controller.* and listeners.controller" -}}
{{- $authz := "the ACL authorizer: authorization.enabled, authorization.superUsers and authorization.allowEveryoneIfNoAclFound" -}}
broker.id: {{ $identity | quote }}
node.id: {{ $identity | quote }}
listeners: {{ $listeners | quote }}
advertised.listeners: {{ $listeners | quote }}
listener.security.protocol.map: {{ $listeners | quote }}
inter.broker.listener.name: {{ $listeners | quote }}
security.inter.broker.protocol: {{ $listeners | quote }}
control.plane.listener.name: {{ $listeners | quote }}
"listener.name.*": {{ $listeners | quote }}
"sasl.*": {{ $security | quote }}
"ssl.*": {{ $security | quote }}
authorizer.class.name: {{ $authz | quote }}
super.users: {{ $authz | quote }}
allow.everyone.if.no.acl.found: {{ $authz | quote }}
{{- if .Values.rackAwareness.enabled }}
broker.rack: "rackAwareness: the node's rackAwareness.topologyKey label, read per pod at start"
{{- end }}
zookeeper.connect: {{ $zk | quote }}
zookeeper.set.acl: {{ printf "%s: zookeeper.auth.enabled" $zkAuth | quote }}
zookeeper.clientCnxnSocket: {{ $zkAuth | quote }}
"zookeeper.ssl.*": {{ $zkAuth | quote }}
log.dir: "the data volume: persistence.mountPath"
log.dirs: "the data volume: persistence.mountPath"
metadata.log.dir: "the data volume: persistence.mountPath"
process.roles: {{ $kraft | quote }}
controller.listener.names: {{ $kraft | quote }}
controller.quorum.voters: {{ $kraft | quote }}
controller.quorum.bootstrap.servers: {{ $kraft | quote }}
zookeeper.metadata.migration.enable: {{ $kraft | quote }}
{{- end -}}

{{/*
kafka.ownerOf: what owns a server.properties key (see kafka.ownedKeys), or "" when
`config` may set it. Given (dict "key" "ssl.keystore.location" "owned" <the map>).
*/}}
{{- define "kafka.ownerOf" -}}
{{- $key := .key -}}
{{- range $k, $why := .owned -}}
{{- if or (eq $k $key) (and (hasSuffix "*" $k) (hasPrefix (trimSuffix "*" $k) $key)) -}}{{ $why }}{{- end -}}
{{- end -}}
{{- end -}}

{{/*
kafka.replication: the effective replication settings (a YAML map of server.properties
key to value) before `config`: null values derive from replicaCount. RF = min(3, brokers),
min ISR = max(1, RF - 1), the transaction log's min ISR capped by its RF.
*/}}
{{- define "kafka.replication" -}}
{{- $n := int .Values.replicaCount -}}
{{- $r := .Values.replication -}}
{{- $rf := min 3 $n -}}
{{- $defaultRF := ternary $rf $r.defaultReplicationFactor (kindIs "invalid" $r.defaultReplicationFactor) -}}
{{- $minIsr := ternary (max 1 (sub (int $defaultRF) 1)) $r.minInsyncReplicas (kindIs "invalid" $r.minInsyncReplicas) -}}
{{- $offsetsRF := ternary $rf $r.offsetsTopicReplicationFactor (kindIs "invalid" $r.offsetsTopicReplicationFactor) -}}
{{- $txnRF := ternary $rf $r.transactionStateLogReplicationFactor (kindIs "invalid" $r.transactionStateLogReplicationFactor) -}}
{{- $txnIsr := ternary (min (int $minIsr) (int $txnRF)) $r.transactionStateLogMinIsr (kindIs "invalid" $r.transactionStateLogMinIsr) -}}
{{- toYaml (dict
  "default.replication.factor" (int $defaultRF)
  "min.insync.replicas" (int $minIsr)
  "offsets.topic.replication.factor" (int $offsetsRF)
  "transaction.state.log.replication.factor" (int $txnRF)
  "transaction.state.log.min.isr" (int $txnIsr)) -}}
{{- end -}}

{{/*
kafka.serverProperties: the properties every broker shares (a dict, as YAML): the chart's
settings, replication derived from replicaCount, then `config` on top (kafka.problems
refuses config keys the chart owns). configure.sh adds each pod's identity.
*/}}
{{- define "kafka.serverProperties" -}}
{{- $props := include "kafka.replication" . | fromYaml -}}
{{- if include "kafka.brokersKraft" . -}}
{{- $props = merge $props (include "kafka.kraftProperties" (dict "ctx" . "roles" (ternary "broker,controller" "broker" .Values.kraft.combined)) | fromYaml) -}}
{{- else -}}
{{- $_ := set $props "zookeeper.connect" (include "kafka.zookeeperConnect" .) -}}
{{- if include "kafka.brokersMigrating" . -}}
{{- /* KIP-866's migration mode: still ZooKeeper brokers, registered with the controllers too */ -}}
{{- $props = merge $props (include "kafka.kraftProperties" (dict "ctx" . "roles" "") | fromYaml) -}}
{{- $_ := unset $props "process.roles" -}}
{{- $_ := set $props "zookeeper.metadata.migration.enable" true -}}
{{- $_ := set $props "inter.broker.protocol.version" "3.9" -}}
{{- end -}}
{{- end -}}
{{- $_ := set $props "auto.create.topics.enable" .Values.autoCreateTopicsEnable -}}
{{- $_ := set $props "log.retention.hours" .Values.log.retentionHours -}}
{{- $_ := set $props "log.segment.bytes" .Values.log.segmentBytes -}}
{{- $_ := set $props "log.retention.check.interval.ms" .Values.log.retentionCheckIntervalMs -}}
{{- $_ := set $props "controlled.shutdown.enable" true -}}
{{- $protocols := include "kafka.listenerProtocols" . | fromYaml -}}
{{- $listeners := printf "CLIENT://:%d,INTERNAL://:%d" (int .Values.listeners.client.containerPort) (int .Values.listeners.interbroker.containerPort) -}}
{{- $map := printf "CLIENT:%s,INTERNAL:%s" $protocols.CLIENT $protocols.INTERNAL -}}
{{- if hasKey $protocols "EXTERNAL" -}}
{{- $listeners = printf "%s,EXTERNAL://:%d" $listeners (int .Values.listeners.external.containerPort) -}}
{{- $map = printf "%s,EXTERNAL:%s" $map $protocols.EXTERNAL -}}
{{- end -}}
{{- if or (include "kafka.brokersKraft" .) (include "kafka.brokersMigrating" .) -}}
{{- /* the brokers reach the controllers on CONTROLLER: its protocol is in every node's map */ -}}
{{- if .Values.kraft.combined -}}
{{- $listeners = printf "%s,CONTROLLER://:%s" $listeners (include "kafka.controllerPort" .) -}}
{{- end -}}
{{- $map = printf "%s,CONTROLLER:PLAINTEXT" $map -}}
{{- end -}}
{{- $_ := set $props "listeners" $listeners -}}
{{- $_ := set $props "listener.security.protocol.map" $map -}}
{{- $_ := set $props "inter.broker.listener.name" "INTERNAL" -}}
{{- if include "kafka.saslEnabled" . -}}
{{- $_ := set $props "sasl.enabled.mechanisms" (join "," .Values.auth.sasl.mechanisms) -}}
{{- if hasPrefix "SASL_" $protocols.INTERNAL -}}
{{- $_ := set $props "sasl.mechanism.inter.broker.protocol" .Values.auth.sasl.interBrokerMechanism -}}
{{- end -}}
{{- end -}}
{{- if include "kafka.tlsEnabled" . -}}
{{- /* the locations are the pod's files: configure.sh writes them */ -}}
{{- $_ := set $props "ssl.keystore.type" "PEM" -}}
{{- $_ := set $props "ssl.truststore.type" "PEM" -}}
{{- $_ := set $props "ssl.endpoint.identification.algorithm" "https" -}}
{{- if hasSuffix "SSL" $protocols.CLIENT -}}
{{- $_ := set $props "listener.name.client.ssl.client.auth" .Values.tls.clientAuth -}}
{{- end -}}
{{- if hasSuffix "SSL" ($protocols.EXTERNAL | default "") -}}
{{- $_ := set $props "listener.name.external.ssl.client.auth" .Values.tls.clientAuth -}}
{{- end -}}
{{- if eq $protocols.INTERNAL "SSL" -}}
{{- $_ := set $props "listener.name.internal.ssl.client.auth" "required" -}}
{{- else if eq $protocols.INTERNAL "SASL_SSL" -}}
{{- $_ := set $props "listener.name.internal.ssl.client.auth" "none" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.zookeeper.auth.enabled (not (include "kafka.brokersKraft" .)) -}}
{{- $_ := set $props "zookeeper.set.acl" true -}}
{{- end -}}
{{- if .Values.authorization.enabled -}}
{{- $_ := set $props "authorizer.class.name" "kafka.security.authorizer.AclAuthorizer" -}}
{{- $_ := set $props "super.users" (join ";" (include "kafka.superUsers" . | fromYamlArray)) -}}
{{- $_ := set $props "allow.everyone.if.no.acl.found" .Values.authorization.allowEveryoneIfNoAclFound -}}
{{- end -}}
{{- range $key, $value := .Values.config -}}
{{- $_ := set $props $key $value -}}
{{- end -}}
{{- toYaml $props -}}
{{- end -}}

{{/*
kafka.certificatePrincipal: "CN=<fullname>", the principal Kafka derives (RFC 2253 subject,
ssl.principal.mapping.rules DEFAULT) from the brokers' certificate when the chart knows its
subject, i.e. it is chart-generated or from cert-manager (commonName <fullname>); "" with
tls.existingSecret or without TLS.
*/}}
{{- define "kafka.certificatePrincipal" -}}
{{- if and (include "kafka.tlsEnabled" .) (not .Values.tls.existingSecret) -}}
CN={{ include "kafka.fullname" . }}
{{- end -}}
{{- end -}}

{{/*
kafka.certificateAuthenticates: "true" when some connection authenticates with the brokers'
certificate: an SSL inter-broker listener (brokers to each other, their tools), or an SSL
client listener with tls.clientAuth (the helm test presents the brokers' certificate).
*/}}
{{- define "kafka.certificateAuthenticates" -}}
{{- $protocols := include "kafka.listenerProtocols" . | fromYaml -}}
{{- if or (eq $protocols.INTERNAL "SSL") (and (eq $protocols.CLIENT "SSL") (ne .Values.tls.clientAuth "none")) -}}true{{- end -}}
{{- end -}}

{{/*
kafka.superUsers: super.users as a YAML list: User:<auth.interBrokerUser> (the brokers'
SASL identity and the one of the startup probe, the helm test and the provisioning Job),
User:<kafka.certificatePrincipal> when the brokers' certificate authenticates, then
authorization.superUsers.
*/}}
{{- define "kafka.superUsers" -}}
{{- $users := list (printf "User:%s" .Values.auth.interBrokerUser) -}}
{{- $cn := include "kafka.certificatePrincipal" . -}}
{{- if and $cn (include "kafka.certificateAuthenticates" .) -}}
{{- $users = append $users (printf "User:%s" $cn) -}}
{{- end -}}
{{- toYaml (concat $users .Values.authorization.superUsers | uniq) -}}
{{- end -}}

{{/*
kafka.interBrokerBootstrap: every broker's address on the inter-broker listener (the names
its certificate covers, as the startup probe uses), comma-separated: the bootstrap of the
provisioning Job.
*/}}
{{- define "kafka.interBrokerBootstrap" -}}
{{- $addresses := list -}}
{{- $headless := include "kafka.headlessServiceName" . -}}
{{- range $i := until (int .Values.replicaCount) -}}
{{- $addresses = append $addresses (printf "%s-%d.%s.%s.svc.%s:%d" (include "kafka.fullname" $) $i $headless $.Release.Namespace $.Values.clusterDomain (int $.Values.listeners.interbroker.containerPort)) -}}
{{- end -}}
{{- join "," $addresses -}}
{{- end -}}

{{/*
kafka.provisioningLabels: the provisioning Job pod's labels: component "provisioning", so
that no selector of the brokers matches it, and the NetworkPolicy can admit it to the
inter-broker port.
*/}}
{{- define "kafka.provisioningLabels" -}}
{{ include "common.labels.standard" (dict "ctx" . "component" "provisioning" "version" (include "kafka.imageTag" .)) }}
{{- end -}}

{{/*
kafka.aclOperations: the operations Kafka defines for each ACL resource type (the
values' spelling), and each one's name in kafka-acls.sh --list output.
*/}}
{{- define "kafka.aclOperations" -}}
Topic: [All, Read, Write, Create, Delete, Alter, Describe, DescribeConfigs, AlterConfigs]
Group: [All, Read, Describe, Delete]
Cluster: [All, Create, ClusterAction, DescribeConfigs, AlterConfigs, IdempotentWrite, Alter, Describe]
TransactionalId: [All, Describe, Write]
{{- end -}}

{{/*
kafka.aclName: a values spelling (DescribeConfigs, TransactionalId, Literal) as Kafka prints
it (DESCRIBE_CONFIGS, TRANSACTIONAL_ID, LITERAL).
*/}}
{{- define "kafka.aclName" -}}
{{- regexReplaceAll "([a-z])([A-Z])" . "${1}_${2}" | upper -}}
{{- end -}}

{{/*
kafka.provisioningSpec: the files of ConfigMap <fullname>-provisioning that provision.sh
reads (no password: users name their Secret and key), as a YAML map of file name to its
lines. Fields are separated by a TAB (no value can contain one: the schema and
kafka.provisioningProblems refuse it):
  topics          name, partitions, replication factor, "declared" or "default" (not
                  given: default.replication.factor)
  topic-configs   topic, key, value
  users           name, Secret, key, SCRAM mechanisms (comma-separated)
  acls            principal, ALLOW|DENY, resource type, resource name, LITERAL|PREFIXED,
                  operation, host: one line per operation, in Kafka's spelling
  managed-topics  every topic this release has declared so far: the previous ConfigMap's
                  list (given as .previous, from lookup) and the declared ones
  managed-principals  every ACL principal this release has declared so far, the same way:
                  provision.sh removes every ACL of one no longer declared. Only grows,
                  which is harmless: a revoked principal has no ACL left to remove (ACLs
                  given to it by hand later are removed too: once declared, it is managed)
Given (dict "ctx" . "previous" <the existing ConfigMap or empty>).
*/}}
{{- define "kafka.provisioningSpec" -}}
{{- $ctx := .ctx -}}
{{- $v := $ctx.Values.provisioning -}}
{{- $rf := include "kafka.replicationFactor" $ctx -}}
{{- $scram := list -}}
{{- range $ctx.Values.auth.sasl.mechanisms -}}{{- if hasPrefix "SCRAM-" . -}}{{- $scram = append $scram . -}}{{- end -}}{{- end -}}
{{- $topics := list -}}
{{- $configs := list -}}
{{- $declared := list -}}
{{- range $t := $v.topics -}}
{{- $declared = append $declared $t.name -}}
{{- $default := kindIs "invalid" $t.replicationFactor -}}
{{- $topics = append $topics (printf "%s\t%d\t%s\t%s" $t.name (int $t.partitions) (ternary (toString $rf) (toString (int ($t.replicationFactor | default 0))) $default) (ternary "default" "declared" $default)) -}}
{{- range $key := keys ($t.configs | default dict) | sortAlpha -}}
{{- $configs = append $configs (printf "%s\t%s\t%s" $t.name $key (include "kafka.propertyValue" (get $t.configs $key))) -}}
{{- end -}}
{{- end -}}
{{- $users := list -}}
{{- range $u := $v.users -}}
{{- $users = append $users (printf "%s\t%s\t%s\t%s" $u.name $u.existingSecret $u.passwordKey (join "," ($u.mechanisms | default $scram))) -}}
{{- end -}}
{{- $acls := list -}}
{{- $principals := list -}}
{{- range $a := $v.acls -}}
{{- $principals = append $principals $a.principal -}}
{{- $name := $a.resourceName | default (ternary "kafka-cluster" "" (eq $a.resourceType "Cluster")) -}}
{{- range $op := $a.operations -}}
{{- $acls = append $acls (printf "%s\t%s\t%s\t%s\t%s\t%s\t%s" $a.principal (upper ($a.permission | default "Allow")) (include "kafka.aclName" $a.resourceType) $name (upper ($a.patternType | default "Literal")) (include "kafka.aclName" $op) ($a.host | default "*")) -}}
{{- end -}}
{{- end -}}
{{- $previous := list -}}
{{- range splitList "\n" (dig "data" "managed-topics" "" (.previous | default dict)) -}}
{{- if trim . -}}{{- $previous = append $previous (trim .) -}}{{- end -}}
{{- end -}}
{{- $managed := concat $previous $declared | uniq | sortAlpha -}}
{{- $previousPrincipals := list -}}
{{- range splitList "\n" (dig "data" "managed-principals" "" (.previous | default dict)) -}}
{{- if trim . -}}{{- $previousPrincipals = append $previousPrincipals (trim .) -}}{{- end -}}
{{- end -}}
{{- $managedPrincipals := concat $previousPrincipals $principals | uniq | sortAlpha -}}
{{- toYaml (dict "topics" $topics "topic-configs" $configs "users" $users "acls" (uniq $acls) "managed-topics" $managed "managed-principals" $managedPrincipals) -}}
{{- end -}}

{{/*
kafka.replicationFactor: the effective default.replication.factor (used by helm test).
*/}}
{{- define "kafka.replicationFactor" -}}
{{- get (include "kafka.serverProperties" . | fromYaml) "default.replication.factor" -}}
{{- end -}}

{{/*
kafka.problems: every render-time problem, one "key.path: reason" line each, with the
key as the user writes it (the "kafka." prefix inside the stack).
*/}}
{{- define "kafka.problems" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $v := .Values -}}
{{- $n := int $v.replicaCount -}}
{{- if hasKey $v "heapOpts" }}
{{ $p }}heapOpts: replaced by {{ $p }}heapSize, a JVM size such as 1G (the chart sets -Xmx and -Xms from it); put other JVM flags in {{ $p }}kafkaOpts
{{- end }}
{{- if $v.containerPorts }}
{{ $p }}containerPorts: replaced by {{ $p }}listeners.client.containerPort (and {{ $p }}listeners.interbroker.containerPort for the inter-broker listener)
{{- end }}
{{- if eq (int $v.listeners.client.containerPort) (int $v.listeners.interbroker.containerPort) }}
{{ $p }}listeners.interbroker.containerPort: {{ $v.listeners.interbroker.containerPort }} is also {{ $p }}listeners.client.containerPort: each listener needs a port of its own
{{- end }}
{{- $protocols := include "kafka.listenerProtocols" . | fromYaml }}
{{- if include "kafka.saslEnabled" . }}
{{- if and (hasPrefix "SASL_" $protocols.INTERNAL) (not (has $v.auth.sasl.interBrokerMechanism $v.auth.sasl.mechanisms)) }}
{{ $p }}auth.sasl.interBrokerMechanism: {{ $v.auth.sasl.interBrokerMechanism }} is not one of {{ $p }}auth.sasl.mechanisms ({{ join ", " $v.auth.sasl.mechanisms }}): the brokers could not authenticate to each other
{{- end }}
{{- range $name, $key := dict "CLIENT" "listeners.client.protocol" "EXTERNAL" "listeners.external.protocol" }}
{{- $protocol := get $protocols $name | default "" }}
{{- if and (hasPrefix "SASL_" $protocol) (not $v.auth.users) (not (hasPrefix "SASL_" $protocols.INTERNAL)) }}
{{ $p }}auth.users: empty, but {{ $p }}{{ $key }} is {{ $protocol }}: no client could authenticate; name at least one user
{{- end }}
{{- end }}
{{- if has $v.auth.interBrokerUser $v.auth.users }}
{{ $p }}auth.users: {{ $v.auth.interBrokerUser }} is {{ $p }}auth.interBrokerUser: give clients users of their own (the inter-broker user's password cannot be rotated in a roll)
{{- end }}
{{- end }}
{{- if include "kafka.tlsEnabled" . }}
{{- if and $v.tls.existingSecret $v.tls.certManager.issuerRef.name }}
{{ $p }}tls.certManager.issuerRef.name: set together with {{ $p }}tls.existingSecret ({{ $v.tls.existingSecret }}): choose one source of the brokers' certificate
{{- end }}
{{- end }}
{{- if and (ne $v.tls.clientAuth "none") (not (hasSuffix "SSL" $protocols.CLIENT)) (not (hasSuffix "SSL" ($protocols.EXTERNAL | default ""))) }}
{{ $p }}tls.clientAuth: {{ $v.tls.clientAuth }} needs TLS on the client listener, but {{ $p }}listeners.client.protocol is {{ $protocols.CLIENT }}{{ if $v.externalAccess.enabled }} (and {{ $p }}listeners.external.protocol {{ $protocols.EXTERNAL }}){{ end }}
{{- end }}
{{- if and (ne $v.tls.clientAuth "none") (not $v.tls.existingSecret) (not $v.tls.certManager.issuerRef.name) }}
{{ $p }}tls.clientAuth: {{ $v.tls.clientAuth }} needs a CA that can sign client certificates: the chart-generated CA keeps no key, so the only certificate it ever signs is the brokers' own; set {{ $p }}tls.existingSecret or {{ $p }}tls.certManager.issuerRef
{{- end }}
{{- if and $v.zookeeper.auth.enabled $v.externalZookeeper.connect (not $v.zookeeper.auth.existingSecret) }}
{{ $p }}zookeeper.auth.existingSecret: required with {{ $p }}externalZookeeper.connect: name the Secret that holds the ZooKeeper password ({{ $p }}zookeeper.auth.passwordKey)
{{- end }}
{{- if and $v.zookeeper.chroot (contains "/" $v.externalZookeeper.connect) }}
{{ $p }}zookeeper.chroot: {{ $v.zookeeper.chroot }} is set but {{ $p }}externalZookeeper.connect ({{ $v.externalZookeeper.connect }}) has a chroot of its own: keep only one
{{- end }}
{{- $owned := include "kafka.ownedKeys" . | fromYaml -}}
{{- range $key, $value := $v.config }}
{{- with include "kafka.ownerOf" (dict "key" $key "owned" $owned) }}
{{ $p }}config.{{ $key }}: owned by the chart ({{ . }}); remove it from {{ $p }}config
{{- else }}
{{- if or (contains "\n" $key) (contains "\n" (toString $value)) }}
{{ $p }}config.{{ $key }}: keys and values of server.properties must be single lines
{{- end }}
{{- end }}
{{- end }}
{{- /* the effective replication settings, each named by where it came from */ -}}
{{- $props := include "kafka.serverProperties" . | fromYaml -}}
{{- $sources := dict
  "default.replication.factor" "replication.defaultReplicationFactor"
  "min.insync.replicas" "replication.minInsyncReplicas"
  "offsets.topic.replication.factor" "replication.offsetsTopicReplicationFactor"
  "transaction.state.log.replication.factor" "replication.transactionStateLogReplicationFactor"
  "transaction.state.log.min.isr" "replication.transactionStateLogMinIsr" -}}
{{- $eff := dict -}}
{{- range $key, $source := $sources -}}
{{- if hasKey $v.config $key -}}{{- $_ := set $sources $key (printf "config.%s" $key) -}}{{- end -}}
{{- $text := get $props $key | toString -}}
{{- if regexMatch "^[0-9]+$" $text -}}{{- $_ := set $eff $key (atoi $text) -}}{{- end -}}
{{- end -}}
{{- range $key := keys $sources | sortAlpha }}
{{- if not (hasKey $eff $key) }}
{{ $p }}{{ get $sources $key }}: {{ get $props $key }} is not a positive whole number
{{- end }}
{{- end }}
{{- range $key := list "default.replication.factor" "offsets.topic.replication.factor" "transaction.state.log.replication.factor" }}
{{- if hasKey $eff $key }}
{{- $rf := get $eff $key }}
{{- if lt $rf 1 }}
{{ $p }}{{ get $sources $key }}: {{ $rf }} must be at least 1
{{- else if gt $rf $n }}
{{ $p }}{{ get $sources $key }}: {{ $rf }} is above {{ $p }}replicaCount ({{ $n }}): Kafka cannot place more replicas than brokers; lower it or raise {{ $p }}replicaCount
{{- end }}
{{- end }}
{{- end }}
{{- range $pair := list (list "min.insync.replicas" "default.replication.factor") (list "transaction.state.log.min.isr" "transaction.state.log.replication.factor") }}
{{- $isrKey := index $pair 0 }}
{{- $rfKey := index $pair 1 }}
{{- if and (hasKey $eff $isrKey) (hasKey $eff $rfKey) }}
{{- if lt (get $eff $isrKey) 1 }}
{{ $p }}{{ get $sources $isrKey }}: {{ get $eff $isrKey }} must be at least 1
{{- else if gt (get $eff $isrKey) (get $eff $rfKey) }}
{{ $p }}{{ get $sources $isrKey }}: {{ get $eff $isrKey }} is above {{ $p }}{{ get $sources $rfKey }} ({{ get $eff $rfKey }}): acks=all writes could never succeed
{{- end }}
{{- end }}
{{- end }}
{{- include "kafka.authorizationProblems" . }}
{{- include "kafka.provisioningProblems" . }}
{{- with (include "common.check.heap" (dict "heap" $v.heapSize "heapKey" (printf "%sheapSize" $p) "limit" (dig "limits" "memory" "" ($v.resources | default dict)) "limitKey" (printf "%sresources.limits.memory" $p))) }}
{{ . }}
{{- end }}
{{- include "common.check.pdb" (dict "pdb" $v.pdb "replicas" $n "prefix" $p) }}
{{- include "kafka.external.problems" . }}
{{- include "kafka.metrics.problems" . }}
{{- include "kafka.kraftProblems" . }}
{{- end -}}

{{/*
kafka.authorizationProblems: authorization values that cannot work, "key.path: reason".
The brokers talk to each other on the inter-broker listener and the authorizer checks
them too: as User:ANONYMOUS on PLAINTEXT (which only a super user entry for ANONYMOUS
lets through, making every PLAINTEXT client a super user), as their certificate's subject
on SSL (unknown to the chart with tls.existingSecret).
*/}}
{{- define "kafka.authorizationProblems" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $a := .Values.authorization -}}
{{- if $a.enabled }}
{{- $internal := .Values.listeners.interbroker.protocol }}
{{- if and (eq $internal "PLAINTEXT") (not (has "User:ANONYMOUS" $a.superUsers)) }}
{{ $p }}authorization.enabled: {{ $p }}listeners.interbroker.protocol is PLAINTEXT, so the brokers (and the startup probe and provisioning Job) are User:ANONYMOUS to the authorizer, which would deny their replication and controller requests; run the inter-broker listener with SASL_SSL, SASL_PLAINTEXT or SSL, or add User:ANONYMOUS to {{ $p }}authorization.superUsers knowing that every client of a PLAINTEXT listener then is a super user
{{- end }}
{{- if and (eq $internal "SSL") .Values.tls.existingSecret }}
{{- $dn := false }}
{{- range $a.superUsers }}{{- if and (contains "=" .) (ne . "User:ANONYMOUS") }}{{- $dn = true }}{{- end }}{{- end }}
{{- if not $dn }}
{{ $p }}authorization.superUsers: {{ $p }}listeners.interbroker.protocol is SSL, so the brokers are User:<the subject of the certificate in {{ $p }}tls.existingSecret ({{ .Values.tls.existingSecret }})> to the authorizer, which would deny their replication; add it, e.g. User:CN=kafka,O=example (openssl x509 -in tls.crt -noout -subject -nameopt RFC2253)
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
kafka.provisioningProblems: provisioning values that cannot work, "key.path: reason",
checked only when provisioning.enabled.
*/}}
{{- define "kafka.provisioningProblems" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $v := .Values.provisioning -}}
{{- $n := int .Values.replicaCount -}}
{{- if $v.enabled }}
{{- if le (int $v.activeDeadlineSeconds) (int $v.waitSeconds) }}
{{ $p }}provisioning.activeDeadlineSeconds: {{ $v.activeDeadlineSeconds }} is not above {{ $p }}provisioning.waitSeconds ({{ $v.waitSeconds }}): the Job would be stopped while it waits for the brokers, without its message
{{- end }}
{{- $seen := dict }}
{{- range $i, $t := $v.topics }}
{{- $key := printf "%sprovisioning.topics[%d]" $p $i }}
{{- if hasKey $seen $t.name }}
{{ $key }}.name: {{ $t.name }} is declared twice (also {{ $p }}provisioning.topics[{{ get $seen $t.name }}])
{{- else }}
{{- $_ := set $seen $t.name $i }}
{{- end }}
{{- if lt (int $t.partitions) 1 }}
{{ $key }}.partitions: {{ $t.partitions }} must be at least 1
{{- end }}
{{- if not (kindIs "invalid" $t.replicationFactor) }}
{{- if lt (int $t.replicationFactor) 1 }}
{{ $key }}.replicationFactor: {{ $t.replicationFactor }} must be at least 1
{{- else if gt (int $t.replicationFactor) $n }}
{{ $key }}.replicationFactor: {{ $t.replicationFactor }} is above {{ $p }}replicaCount ({{ $n }}): Kafka cannot place more replicas than brokers
{{- end }}
{{- end }}
{{- range $ck, $cv := $t.configs | default dict }}
{{- if regexMatch "[\t\n\r]" (toString $cv) }}
{{ $key }}.configs.{{ $ck }}: a topic config value must be one line without tabs
{{- else if or (eq (toString $cv) "") (regexMatch "[=\\\\]|^\\s|\\s$" (toString $cv)) }}
{{ $key }}.configs.{{ $ck }}: {{ toString $cv | quote }} cannot be passed to kafka-topics.sh --config, which creates the topic with it: it refuses an empty value or an "=", and would store a backslash or a leading or trailing space differently from kafka-configs.sh on later runs
{{- end }}
{{- end }}
{{- end }}
{{- $protocols := include "kafka.listenerProtocols" . | fromYaml }}
{{- $scram := list }}
{{- range .Values.auth.sasl.mechanisms }}{{- if hasPrefix "SCRAM-" . }}{{- $scram = append $scram . }}{{- end }}{{- end }}
{{- $users := dict }}
{{- range $i, $u := $v.users }}
{{- $key := printf "%sprovisioning.users[%d]" $p $i }}
{{- if and (eq $i 0) (or (not (include "kafka.saslEnabled" $)) (not $scram)) }}
{{ $p }}provisioning.users: SCRAM users need a SASL listener with a SCRAM mechanism, but {{ if include "kafka.saslEnabled" $ }}{{ $p }}auth.sasl.mechanisms ({{ join ", " $.Values.auth.sasl.mechanisms }}) has none{{ else }}no listener runs SASL_SSL or SASL_PLAINTEXT ({{ $p }}listeners.client.protocol {{ $protocols.CLIENT }}, {{ $p }}listeners.interbroker.protocol {{ $protocols.INTERNAL }}){{ end }}: no client could log in as these users
{{- end }}
{{- if hasKey $users $u.name }}
{{ $key }}.name: {{ $u.name }} is declared twice (also {{ $p }}provisioning.users[{{ get $users $u.name }}])
{{- else }}
{{- $_ := set $users $u.name $i }}
{{- end }}
{{- if eq $u.name $.Values.auth.interBrokerUser }}
{{ $key }}.name: {{ $u.name }} is {{ $p }}auth.interBrokerUser, whose credential the brokers write at start from their own Secret; provisioning must not overwrite it
{{- else if has $u.name $.Values.auth.users }}
{{ $key }}.name: {{ $u.name }} is in {{ $p }}auth.users, whose credentials the brokers write at start from {{ include "kafka.usersSecretName" $ }}: declare the user in one place
{{- end }}
{{- if not $u.existingSecret }}
{{ $key }}.existingSecret: required: the Secret that holds {{ $u.name }}'s password
{{- end }}
{{- if not $u.passwordKey }}
{{ $key }}.passwordKey: required: the key of {{ $key }}.existingSecret that holds the password
{{- end }}
{{- range $u.mechanisms | default list }}
{{- if not (has . $.Values.auth.sasl.mechanisms) }}
{{ $key }}.mechanisms: {{ . }} is not one of {{ $p }}auth.sasl.mechanisms ({{ join ", " $.Values.auth.sasl.mechanisms }}): no listener would accept it
{{- end }}
{{- end }}
{{- end }}
{{- if and $v.acls (not .Values.authorization.enabled) }}
{{ $p }}provisioning.acls: ACLs need an authorizer, but {{ $p }}authorization.enabled is false (without one, Kafka refuses to store ACLs and every client may do everything)
{{- end }}
{{- $ops := include "kafka.aclOperations" . | fromYaml }}
{{- range $i, $a := $v.acls }}
{{- $key := printf "%sprovisioning.acls[%d]" $p $i }}
{{- if eq $a.resourceType "Cluster" }}
{{- if and $a.resourceName (ne $a.resourceName "kafka-cluster") }}
{{ $key }}.resourceName: {{ $a.resourceName }}: the Cluster resource is always kafka-cluster
{{- end }}
{{- if eq ($a.patternType | default "Literal") "Prefixed" }}
{{ $key }}.patternType: Prefixed does not apply to the Cluster resource
{{- end }}
{{- else if not $a.resourceName }}
{{ $key }}.resourceName: required for a {{ $a.resourceType }} ("*" for every one)
{{- end }}
{{- $valid := get $ops $a.resourceType }}
{{- range $a.operations }}
{{- if not (has . $valid) }}
{{ $key }}.operations: {{ . }} is not an operation on {{ $a.resourceType }} resources ({{ join ", " $valid }})
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
kafka.warnings: what renders but is probably not what the user wants.
*/}}
{{/*
kafka.listenerWarnings: one "key.path: reason" line per listener that runs without
encryption or authentication, for this chart's NOTES and the stack's (not kafka.warnings:
a PLAINTEXT development release is a choice, not a mistake to repeat at every validate).
*/}}
{{- define "kafka.listenerWarnings" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $protocols := include "kafka.listenerProtocols" . | fromYaml -}}
{{- range $name, $key := dict "CLIENT" "listeners.client.protocol" "INTERNAL" "listeners.interbroker.protocol" "EXTERNAL" "listeners.external.protocol" }}
{{- $protocol := get $protocols $name | default "" }}
{{- if eq $protocol "PLAINTEXT" }}
{{ $p }}{{ $key }} is PLAINTEXT: traffic on this listener is neither encrypted nor authenticated; {{ if eq $name "EXTERNAL" }}anyone who reaches a node port or load balancer{{ else }}any pod that reaches the port{{ end }} {{ if and $.Values.authorization.enabled (ne $name "INTERNAL") }}is User:ANONYMOUS, allowed what its ACLs allow{{ else }}can read and write every topic{{ end }}. Set SASL_SSL (see tls and auth in the chart README) for anything but a test cluster.
{{- else if eq $protocol "SASL_PLAINTEXT" }}
{{ $p }}{{ $key }} is SASL_PLAINTEXT: clients authenticate, but the traffic (messages, and PLAIN passwords) is not encrypted. Prefer SASL_SSL.
{{- else if and (eq $protocol "SSL") (ne $name "INTERNAL") (eq $.Values.tls.clientAuth "none") }}
{{ $p }}{{ $key }} is SSL with {{ $p }}tls.clientAuth=none: traffic is encrypted but clients do not authenticate. Set SASL_SSL or {{ $p }}tls.clientAuth=required.
{{- end }}
{{- end }}
{{- end -}}

{{- define "kafka.warnings" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- if .Values.authorization.enabled }}
{{- $protocols := include "kafka.listenerProtocols" . | fromYaml }}
{{- range $name, $key := dict "CLIENT" "listeners.client.protocol" "EXTERNAL" "listeners.external.protocol" }}
{{- $protocol := get $protocols $name | default "" }}
{{- if or (eq $protocol "PLAINTEXT") (and (eq $protocol "SSL") (eq $.Values.tls.clientAuth "none")) }}
{{ $p }}authorization.enabled: {{ $p }}{{ $key }} is {{ $protocol }}{{ if eq $protocol "SSL" }} with {{ $p }}tls.clientAuth=none{{ end }}, which does not authenticate clients: every client is User:ANONYMOUS on that listener and may do only what ACLs for User:ANONYMOUS allow{{ if eq $name "CLIENT" }} (the helm test too){{ end }}; use SASL_SSL, or SSL with {{ $p }}tls.clientAuth=required
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.pdb.create }}
{{- $max := .Values.pdb.maxUnavailable }}
{{- if and (not (kindIs "invalid" $max)) (regexMatch "^0+%?$" (toString $max)) }}
{{ $p }}pdb.maxUnavailable: {{ $max }} allows no voluntary disruption: every node drain waits until it is changed
{{- end }}
{{- end }}
{{- include "kafka.kraftWarnings" . }}
{{- end -}}

{{/*
kafka.volumeClaimTemplates: the StatefulSet's volumeClaimTemplates entries (a YAML list),
empty when persistence is off. statefulset.yaml and the upgrade guard both render it, so
the guard compares exactly what an upgrade would send.
*/}}
{{- define "kafka.volumeClaimTemplates" -}}
{{- $p := .Values.persistence -}}
{{- if $p.enabled -}}
{{ include "common.storage.claimTemplate" (dict "name" "data" "labels" (include "kafka.selectorLabels" .) "size" $p.size "storageClass" $p.storageClass "accessModes" $p.accessModes "annotations" $p.annotations) }}
{{- end -}}
{{- end -}}

{{/*
kafka.upgradeGuard: refuse an upgrade that changes what the existing StatefulSet cannot
change (common.upgradeGuard), looked up live; .compare takes the StatefulSet given
({"existing": ..., "ctx": .}), which is what the tests feed it.
*/}}
{{- define "kafka.upgradeGuard" -}}
{{- $existing := lookup "apps/v1" "StatefulSet" .Release.Namespace (include "kafka.fullname" .) -}}
{{- include "kafka.upgradeGuard.compare" (dict "existing" $existing "ctx" .) -}}
{{- end -}}

{{- define "kafka.upgradeGuard.compare" -}}
{{- $ctx := .ctx -}}
{{- $sources := dict "data" (dict "enabled" "persistence.enabled" "size" "persistence.size" "storageClass" "persistence.storageClass" "accessModes" "persistence.accessModes" "annotations" "persistence.annotations") -}}
{{- include "common.upgradeGuard" (dict "ctx" $ctx "existing" .existing "name" (include "kafka.fullname" $ctx) "selector" (include "kafka.selectorLabels" $ctx) "serviceName" (include "kafka.headlessServiceName" $ctx) "claims" (include "kafka.volumeClaimTemplates" $ctx) "sources" $sources "primary" "data") -}}
{{- include "kafka.upgradeGuard.interBroker" . -}}
{{- include "kafka.upgradeGuard.kraft" . -}}
{{- end -}}

{{/*
kafka.interBrokerListener: how the brokers talk to each other: listener, protocol and, with
SASL, the mechanism ("INTERNAL SASL_SSL SCRAM-SHA-512"). Recorded on the StatefulSet
(annotation kafka.chart/inter-broker-listener) for kafka.upgradeGuard.interBroker.
*/}}
{{- define "kafka.interBrokerListener" -}}
{{- $protocol := .Values.listeners.interbroker.protocol -}}
INTERNAL {{ $protocol }}{{ if hasPrefix "SASL_" $protocol }} {{ .Values.auth.sasl.interBrokerMechanism }}{{ end }}
{{- end -}}

{{/*
kafka.upgradeGuard.interBroker: a rolling update cannot change how brokers talk to each
other. A restarted broker and an old one no longer understand each other on the
inter-broker listener, so the first restarted broker never rejoins an ISR and its startup
probe holds the roll for ten minutes, then restarts it, forever. Refuse such an upgrade
unless updateStrategy.type is OnDelete (all brokers replaced at once). The running
setting is the StatefulSet's kafka.chart/inter-broker-listener annotation; a StatefulSet
without one and without a tcp-internal port is a 0.1/0.2 release: one PLAINTEXT listener
named PLAINTEXT. Given (dict "existing" <the StatefulSet or empty> "ctx" .).
*/}}
{{- define "kafka.upgradeGuard.interBroker" -}}
{{- $ctx := .ctx -}}
{{- $existing := .existing | default dict -}}
{{- $owner := dig "metadata" "annotations" "meta.helm.sh/release-name" "" $existing -}}
{{- if and $existing (or (not $owner) (eq $owner $ctx.Release.Name)) (ne $ctx.Values.updateStrategy.type "OnDelete") -}}
{{- $old := dig "metadata" "annotations" "kafka.chart/inter-broker-listener" "" $existing -}}
{{- if not $old -}}
{{- $ports := list -}}
{{- range $c := dig "spec" "template" "spec" "containers" (list) $existing -}}
{{- range $port := $c.ports | default list -}}{{- $ports = append $ports $port.name -}}{{- end -}}
{{- end -}}
{{- if not (has "tcp-internal" $ports) -}}{{- $old = "PLAINTEXT PLAINTEXT" -}}{{- end -}}
{{- end -}}
{{- $new := include "kafka.interBrokerListener" $ctx -}}
{{- if and $old (ne $old $new) -}}
{{- $p := include "common.names.valuesPrefix" $ctx -}}
{{- $selector := list -}}
{{- range $k, $v := include "kafka.selectorLabels" $ctx | fromYaml -}}{{- $selector = append $selector (printf "%s=%s" $k $v) -}}{{- end -}}
{{- fail (printf "upgrade refused: the brokers of StatefulSet %s/%s cannot roll across this change:\n- %slisteners.interbroker: the running brokers talk to each other over %q, this upgrade over %q. A restarted broker and an old one would not understand each other, so the first one restarted would never rejoin an ISR and the roll would stall. Upgrade with %supdateStrategy.type=OnDelete, delete every broker pod at once (kubectl delete pod -n %s -l %s; a short outage while they restart together), then upgrade again without it (charts/kafka/README.md, Upgrading)." $ctx.Release.Namespace (include "kafka.fullname" $ctx) $p $old $new $p $ctx.Release.Namespace (join "," (sortAlpha $selector))) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
kafka.metrics.args: what the common metrics helpers (charts/common/templates/_metrics.tpl)
need from this chart, as YAML: merge it with (dict "ctx" .).
*/}}
{{- define "kafka.metrics.args" -}}
{{- toYaml (dict "on" .Values.metrics.jmx.enabled "onKey" "metrics.jmx.enabled" "selector" (include "kafka.selectorLabels" .) "labels" (include "kafka.labels" .)) -}}
{{- end -}}

{{/*
kafka.controllerMetrics.args: the same for the KRaft controllers' pods: their own metrics
Service, ServiceMonitor and PodMonitor (<fullname>-controller-metrics), selecting them alone.
*/}}
{{- define "kafka.controllerMetrics.args" -}}
{{- toYaml (dict "on" .Values.metrics.jmx.enabled "onKey" "metrics.jmx.enabled" "selector" (include "kafka.controllerSelectorLabels" .) "labels" (include "kafka.controllerLabels" .) "component" "controller") -}}
{{- end -}}

{{/*
kafka.metrics.exporterConfig: the JMX exporter configuration, files/jmx-exporter.yaml with
metrics.jmx.extraRules before its rules.
*/}}
{{- define "kafka.metrics.exporterConfig" -}}
{{- $config := .Files.Get "files/jmx-exporter.yaml" | fromYaml -}}
{{- $_ := set $config "rules" (concat .Values.metrics.jmx.extraRules ($config.rules | default list)) -}}
{{- toYaml $config -}}
{{- end -}}

{{/*
kafka.metrics.agentPath: where the broker JVM loads the javaagent from: metrics.jmx.agentPath
(a jar in the Kafka image), else the copy the jmx-agent init container puts into the
jmx-agent emptyDir.
*/}}
{{- define "kafka.metrics.agentPath" -}}
{{- .Values.metrics.jmx.agentPath | default "/opt/kafka/jmx-agent/jmx_prometheus_javaagent.jar" -}}
{{- end -}}

{{/*
kafka.metrics.problems: metrics values that cannot work, "key.path: reason".
*/}}
{{- define "kafka.metrics.problems" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- include "common.metrics.problems" (include "kafka.metrics.args" . | fromYaml | merge (dict "ctx" .)) }}
{{- $jmx := .Values.metrics.jmx }}
{{- if $jmx.enabled }}
{{- $port := int $jmx.containerPort }}
{{- range $name, $key := dict "client" "listeners.client.containerPort" "interbroker" "listeners.interbroker.containerPort" "external" "listeners.external.containerPort" }}
{{- $l := index $.Values.listeners $name }}
{{- if and (eq (int $l.containerPort) $port) (or (ne $name "external") $.Values.externalAccess.enabled) }}
{{ $p }}metrics.jmx.containerPort: {{ $port }} is also {{ $p }}{{ $key }}: the exporter and the listener cannot share a port
{{- end }}
{{- end }}
{{- if contains "-javaagent:" .Values.kafkaOpts }}
{{- if contains "jmx_prometheus" .Values.kafkaOpts }}
{{ $p }}kafkaOpts: loads a JMX exporter javaagent while {{ $p }}metrics.jmx.enabled loads the chart's: remove it from {{ $p }}kafkaOpts (the chart's agent reads files/jmx-exporter.yaml plus {{ $p }}metrics.jmx.extraRules)
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
