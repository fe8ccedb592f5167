{{/*
External access (externalAccess.*, listeners.external): names of the per-broker and the
bootstrap Services, each broker's node port, the external names the certificate must
cover, and the render-time problems. What a broker advertises is computed at start by
files/external-address.sh (configure.sh), from the env the StatefulSet gives it.
*/}}

{{/*
kafka.external.prefix: the fullname, cut so that "<prefix>-<ordinal>-external" (ordinals of
up to 5 digits) and "<prefix>-external-bootstrap" stay 63-character DNS labels. Cut the
same way for every broker, so the pod script (auto-discovery.sh) can rebuild a name.
*/}}
{{- define "kafka.external.prefix" -}}
{{- include "kafka.fullname" . | trunc 44 | trimSuffix "-" -}}
{{- end -}}

{{/*
kafka.external.serviceName: broker <ordinal>'s Service, given (dict "ctx" . "ordinal" i).
*/}}
{{- define "kafka.external.serviceName" -}}
{{- printf "%s-%d-external" (include "kafka.external.prefix" .ctx) (int .ordinal) -}}
{{- end -}}

{{/*
kafka.external.bootstrapName: the Service selecting every broker.
*/}}
{{- define "kafka.external.bootstrapName" -}}
{{- printf "%s-external-bootstrap" (include "kafka.external.prefix" .) -}}
{{- end -}}

{{/*
kafka.external.discoveryName: the Role and RoleBinding of externalAccess.autoDiscovery.
*/}}
{{- define "kafka.external.discoveryName" -}}
{{- printf "%s-external-discovery" (include "kafka.external.prefix" .) -}}
{{- end -}}

{{/*
kafka.external.nodePort: broker <ordinal>'s node port, nodePorts[ordinal] or
nodePortBase + ordinal, "" when neither is set (allocated), given (dict "ctx" . "ordinal" i).
*/}}
{{- define "kafka.external.nodePort" -}}
{{- $svc := .ctx.Values.externalAccess.service -}}
{{- $i := int .ordinal -}}
{{- if lt $i (len $svc.nodePorts) -}}
{{- index $svc.nodePorts $i | int -}}
{{- else if not (kindIs "invalid" $svc.nodePortBase) -}}
{{- add (int $svc.nodePortBase) $i -}}
{{- end -}}
{{- end -}}

{{/*
kafka.external.hostOf: the host part of "host" or "host:port".
*/}}
{{- define "kafka.external.hostOf" -}}
{{- regexReplaceAll ":[0-9]+$" . "" -}}
{{- end -}}

{{/*
kafka.isIP: "true" when the string is an IPv4 or IPv6 address (a SAN of type IP), else "".
*/}}
{{- define "kafka.isIP" -}}
{{- if or (regexMatch "^[0-9]{1,3}(\\.[0-9]{1,3}){3}$" .) (and (contains ":" .) (regexMatch "^[0-9A-Fa-f:.]+$" .)) -}}true{{- end -}}
{{- end -}}

{{/*
kafka.external.sans: the certificate names external access adds (a YAML list): every
externalAccess.hosts host, hostPattern for every broker id (or "*.<rest>" when {id} is in
the first label only, so scale-out stays covered), loadBalancerIPs, then tls.extraSans.
DNS names and IPs together; kafka.tlsDnsNames and kafka.tlsIpAddresses split them.
*/}}
{{- define "kafka.external.sans" -}}
{{- $names := list -}}
{{- $ea := .Values.externalAccess -}}
{{- if $ea.enabled -}}
{{- range $ea.hosts -}}{{- $names = append $names (include "kafka.external.hostOf" .) -}}{{- end -}}
{{- with $ea.hostPattern -}}
{{- $host := include "kafka.external.hostOf" . -}}
{{- $first := regexReplaceAll "\\..*$" $host "" -}}
{{- $rest := trimPrefix $first $host | trimPrefix "." -}}
{{- if and (contains "{id}" $first) (not (contains "{id}" $rest)) (contains "." $rest) -}}
{{- $names = append $names (printf "*.%s" $rest) -}}
{{- else -}}
{{- range $i := until (int $.Values.replicaCount) -}}
{{- $names = append $names (replace "{id}" (toString (add $i (int $.Values.brokerIdOffset))) $host) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if eq $ea.service.type "LoadBalancer" -}}{{- $names = concat $names $ea.service.loadBalancerIPs -}}{{- end -}}
{{- end -}}
{{- $names = concat $names .Values.tls.extraSans -}}
{{- toYaml (uniq $names) -}}
{{- end -}}

{{/*
kafka.external.problems: externalAccess values that cannot work, "key.path: reason".
*/}}
{{- define "kafka.external.problems" -}}
{{- $p := include "common.names.valuesPrefix" . -}}
{{- $v := .Values -}}
{{- $n := int $v.replicaCount -}}
{{- $ea := $v.externalAccess -}}
{{- $svc := $ea.service -}}
{{- $type := $svc.type -}}
{{- $external := (include "kafka.listenerProtocols" . | fromYaml).EXTERNAL | default "" -}}
{{- if ne $v.service.type "ClusterIP" }}
{{ $p }}service.type: {{ $v.service.type }} would expose only a bootstrap: the brokers answer it with their in-cluster names, which no client outside the cluster can reach; keep ClusterIP and set {{ $p }}externalAccess.enabled=true (a Service per broker and an EXTERNAL listener advertising addresses outside clients reach)
{{- end }}
{{- if $ea.enabled }}
{{- $ports := dict "listeners.client.containerPort" $v.listeners.client.containerPort "listeners.interbroker.containerPort" $v.listeners.interbroker.containerPort -}}
{{- range $key, $port := $ports }}
{{- if eq (int $port) (int $v.listeners.external.containerPort) }}
{{ $p }}listeners.external.containerPort: {{ $v.listeners.external.containerPort }} is also {{ $p }}{{ $key }}: each listener needs a port of its own
{{- end }}
{{- end }}
{{- range $key := list "hosts" "service.nodePorts" "service.loadBalancerIPs" }}
{{- $list := ternary $ea.hosts (ternary $svc.nodePorts $svc.loadBalancerIPs (eq $key "service.nodePorts")) (eq $key "hosts") }}
{{- if and $list (ne (len $list) $n) }}
{{ $p }}externalAccess.{{ $key }}: {{ len $list }} entries for {{ $p }}replicaCount {{ $n }}: give one per broker (index = ordinal), or none
{{- end }}
{{- end }}
{{- if and $svc.nodePorts (not (kindIs "invalid" $svc.nodePortBase)) }}
{{ $p }}externalAccess.service.nodePortBase: set together with {{ $p }}externalAccess.service.nodePorts: choose one
{{- end }}
{{- if and $ea.hosts $ea.hostPattern }}
{{ $p }}externalAccess.hostPattern: set together with {{ $p }}externalAccess.hosts: choose one
{{- end }}
{{- if and $ea.hostPattern (not (contains "{id}" $ea.hostPattern)) }}
{{ $p }}externalAccess.hostPattern: {{ $ea.hostPattern }} has no {id}: every broker would advertise the same host, and clients could reach only one of them; use e.g. broker-{id}.kafka.example.com
{{- end }}
{{- $named := or $ea.hosts $ea.hostPattern }}
{{- if eq $type "ClusterIP" }}
{{- if not $named }}
{{ $p }}externalAccess.hosts: empty while {{ $p }}externalAccess.service.type is ClusterIP: a ClusterIP is reachable only inside the cluster, so the brokers have nothing to advertise; name the address your ingress / TCP proxy gives each broker in {{ $p }}externalAccess.hosts or {{ $p }}externalAccess.hostPattern
{{- end }}
{{- if or $svc.nodePorts (not (kindIs "invalid" $svc.nodePortBase)) (not (kindIs "invalid" $ea.bootstrap.nodePort)) }}
{{ $p }}externalAccess.service.type: ClusterIP Services have no node ports: clear {{ $p }}externalAccess.service.nodePorts, nodePortBase and {{ $p }}externalAccess.bootstrap.nodePort, or use NodePort
{{- end }}
{{- end }}
{{- $fixed := or $svc.nodePorts (not (kindIs "invalid" $svc.nodePortBase)) }}
{{- if and (eq $type "NodePort") (not $fixed) }}
{{- $portless := list }}
{{- range $ea.hosts }}{{- if not (regexMatch ":[0-9]+$" .) }}{{- $portless = append $portless . }}{{- end }}{{- end }}
{{- if or (not $ea.hosts) $portless }}
{{ $p }}externalAccess.service.nodePorts: empty (and no nodePortBase) with {{ $p }}externalAccess.service.type NodePort: Kubernetes would allocate random node ports, which a broker cannot know to advertise; set {{ $p }}externalAccess.service.nodePortBase (broker i gets base + i) or nodePorts{{ if $ea.hosts }}, or give every {{ $p }}externalAccess.hosts entry its port (host:port){{ end }}
{{- end }}
{{- end }}
{{- /* a node's IP is known only at start: a certificate the chart makes cannot name it */ -}}
{{- if and (eq $type "NodePort") (not $named) (hasSuffix "SSL" $external) (not $v.tls.existingSecret) }}
{{- $ips := list }}
{{- range $v.tls.extraSans }}{{- if include "kafka.isIP" . }}{{- $ips = append $ips . }}{{- end }}{{- end }}
{{- if not $ips }}
{{ $p }}tls.extraSans: no IP address while the brokers advertise their node's IP (NodePort, no {{ $p }}externalAccess.hosts or hostPattern) on a {{ $external }} external listener: the certificate the chart {{ ternary "requests" "generates" (not (empty $v.tls.certManager.issuerRef.name)) }} would not name the nodes, clients outside would refuse it and every broker would stop at start; list the nodes' IPs in {{ $p }}tls.extraSans, name DNS names for the nodes in {{ $p }}externalAccess.hosts or hostPattern, or give a certificate in {{ $p }}tls.existingSecret
{{- end }}
{{- end }}
{{- if and (eq $type "LoadBalancer") (not $named) $ea.autoDiscovery.enabled (hasSuffix "SSL" $external) (not $v.tls.existingSecret) (not $svc.loadBalancerIPs) }}
{{ $p }}externalAccess.autoDiscovery.enabled: the brokers advertise the load balancers' addresses, known only at start, on a {{ $external }} external listener: the certificate the chart {{ ternary "requests" "generates" (not (empty $v.tls.certManager.issuerRef.name)) }} cannot name them, so clients outside would refuse it and every broker would stop at start; advertise DNS names pointing at the load balancers ({{ $p }}externalAccess.hosts or hostPattern), fix the addresses ({{ $p }}externalAccess.service.loadBalancerIPs), or give a certificate in {{ $p }}tls.existingSecret
{{- end }}
{{- if and (eq $type "LoadBalancer") (not $named) (not $ea.autoDiscovery.enabled) }}
{{ $p }}externalAccess.autoDiscovery.enabled: false with {{ $p }}externalAccess.service.type LoadBalancer and no {{ $p }}externalAccess.hosts or hostPattern: a broker cannot know the address its load balancer receives; set {{ $p }}externalAccess.autoDiscovery.enabled=true (read at start, with a narrow Role) or name the addresses in {{ $p }}externalAccess.hosts (e.g. with {{ $p }}externalAccess.service.loadBalancerIPs)
{{- end }}
{{- if $ea.autoDiscovery.enabled }}
{{- if ne $type "LoadBalancer" }}
{{ $p }}externalAccess.autoDiscovery.enabled: only for {{ $p }}externalAccess.service.type LoadBalancer (a {{ $type }} Service receives no load-balancer address); turn it off
{{- else if $named }}
{{ $p }}externalAccess.autoDiscovery.enabled: set together with {{ $p }}externalAccess.{{ ternary "hosts" "hostPattern" (not (empty $ea.hosts)) }}, which the brokers advertise instead: turn one off
{{- end }}
{{- end }}
{{- /* node ports: no two Services may ask for the same one */ -}}
{{- if ne $type "ClusterIP" }}
{{- $seen := dict }}
{{- range $i := until $n }}
{{- with include "kafka.external.nodePort" (dict "ctx" $ "ordinal" $i) }}
{{- if hasKey $seen . }}
{{ $p }}externalAccess.service.nodePorts: node port {{ . }} is asked for by broker {{ get $seen . }} and broker {{ $i }}: each Service needs a node port of its own
{{- else }}
{{- $_ := set $seen . (toString $i) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $ea.bootstrap.enabled (not (kindIs "invalid" $ea.bootstrap.nodePort)) }}
{{- $bp := toString (int $ea.bootstrap.nodePort) }}
{{- if hasKey $seen $bp }}
{{ $p }}externalAccess.bootstrap.nodePort: {{ $bp }} is also broker {{ get $seen $bp }}'s node port: the bootstrap Service needs a node port of its own
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}
