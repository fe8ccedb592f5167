{{/*
NetworkPolicy pieces shared by the kafka and zookeeper charts. Each chart's
templates/networkpolicy.yaml says which port is open to whom; the peers are label maps the
chart takes from its own selector helpers (kafka.selectorLabels, zookeeper.selectorLabels,
...), so a policy selects exactly the pods the StatefulSet labels, and cannot drift from
them.

Ports are numbers, never container port names: a policy's port is matched after the Service
has translated it to the pod's port, and a number needs nothing from the implementation,
while a named port must be resolved on every selected pod (on the destination pod for
egress), which not every implementation does, or does the same way.
*/}}

{{/*
common.networkPolicy.peers: one podSelector peer per label map (pods of the release's own
namespace), given (list <map> <map> ...). Empty maps are skipped: an empty podSelector would
admit every pod of the namespace.
*/}}
{{- define "common.networkPolicy.peers" -}}
{{- range . }}
{{- if . }}
- podSelector:
    matchLabels:
      {{- toYaml . | nindent 6 }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
common.networkPolicy.selectedPeers: the peer the user selects with
networkPolicy.ingressNSMatchLabels (namespaces) and networkPolicy.ingressNSPodMatchLabels
(pods), given the chart's networkPolicy values:
  namespace labels only   every pod of the namespaces with those labels
  both                    the pods with those labels in those namespaces
  pod labels only         the pods with those labels in the release's own namespace
  neither                 nothing
*/}}
{{- define "common.networkPolicy.selectedPeers" -}}
{{- $ns := .ingressNSMatchLabels | default dict -}}
{{- $pods := .ingressNSPodMatchLabels | default dict -}}
{{- if $ns }}
- namespaceSelector:
    matchLabels:
      {{- toYaml $ns | nindent 6 }}
{{- end }}
{{- if $pods }}
{{ if $ns }}  {{ else }}- {{ end }}podSelector:
    matchLabels:
      {{- toYaml $pods | nindent 6 }}
{{- end }}
{{- end -}}

{{/*
common.networkPolicy.rule: one ingress or egress rule on TCP ports, given
(dict "ports" (list 2181 ...) "direction" "from"|"to" "peers" <peer list YAML> "any" <bool>).
"any" true: no peer list, i.e. any source (ingress) or destination (egress). Otherwise the
rule lists the peers, and renders nothing at all when there is none: a rule without a
peer list would admit everything. An empty "ports" list means every port (with peers
only: "any" needs ports).
*/}}
{{- define "common.networkPolicy.rule" -}}
{{- $peers := trim (.peers | default "") -}}
{{- if or .any $peers }}
{{- if .ports }}
- ports:
    {{- range .ports }}
    - port: {{ int . }}
      protocol: TCP
    {{- end }}
{{- end }}
{{- if and $peers (not .any) }}
{{ if .ports }}  {{ else }}- {{ end }}{{ .direction }}:
    {{- $peers | nindent 4 }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
common.networkPolicy.dnsEgress: the egress rule for name lookups: UDP and TCP port 53 to
any destination. Not to the cluster DNS pods' labels: NodeLocal DNSCache answers on a
link-local address of the node, some clusters resolve through a DNS server outside the
cluster, and the DNS pods' labels differ between distributions; port 53 alone works with
all of them.
*/}}
{{- define "common.networkPolicy.dnsEgress" }}
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
{{- end -}}

{{/*
common.networkPolicy.extraRules: networkPolicy.extraIngress or extraEgress as given
(NetworkPolicyIngressRule / NetworkPolicyEgressRule objects), appended after the chart's
own rules; nothing for an empty list.

Every rule helper here renders its list items each on a new line, so a template
concatenates them and indents the whole once: (printf "%s%s" <rules> <rules> | trim | nindent 4).
*/}}
{{- define "common.networkPolicy.extraRules" -}}
{{- with . }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
common.networkPolicy.warnings: warning lines common to both charts' networkPolicy values,
given (dict "values" <networkPolicy values> "prefix" <values prefix>).
*/}}
{{- define "common.networkPolicy.warnings" -}}
{{- $np := .values -}}
{{- if and $np.allowExternalEgress $np.extraEgress }}
{{ .prefix }}networkPolicy.extraEgress: ignored while {{ .prefix }}networkPolicy.allowExternalEgress is true (the policy does not restrict egress at all); set allowExternalEgress=false to restrict egress to the chart's rules plus these
{{- end }}
{{- if and $np.allowExternal (or $np.ingressNSMatchLabels $np.ingressNSPodMatchLabels) }}
{{ .prefix }}networkPolicy.ingressNSMatchLabels/ingressNSPodMatchLabels: have no effect while {{ .prefix }}networkPolicy.allowExternal is true (the client port is open to any source); set allowExternal=false to admit only the selected clients
{{- end }}
{{- end -}}
