{{/*
common.affinity.term: one (anti-)affinity term for a preset, given
(dict "preset" "soft|hard|none" "labels" <selector labels YAML> "weight" 100
      "topologyKey" "kubernetes.io/hostname").
Returns a YAML map with requiredDuringScheduling... (hard) or
preferredDuringScheduling... (soft), or nothing for "none". The label selector is always
built from the charts' selector-label helpers, so it cannot drift from the pods' labels.
*/}}
{{- define "common.affinity.term" -}}
{{- $key := .topologyKey | default "kubernetes.io/hostname" -}}
{{- if eq .preset "hard" -}}
requiredDuringSchedulingIgnoredDuringExecution:
  - topologyKey: {{ $key }}
    labelSelector:
      matchLabels:
        {{- .labels | nindent 8 }}
{{- else if eq .preset "soft" -}}
preferredDuringSchedulingIgnoredDuringExecution:
  - weight: {{ .weight | default 100 }}
    podAffinityTerm:
      topologyKey: {{ $key }}
      labelSelector:
        matchLabels:
          {{- .labels | nindent 10 }}
{{- end -}}
{{- end -}}

{{/*
common.topologySpread: topologySpreadConstraints from a values list, given
(dict "constraints" .Values.topologySpreadConstraints "labels" <selector labels YAML>):
an entry without a labelSelector gets the chart's selector labels (with the release, so
two releases in one namespace do not count each other's pods). Empty list: nothing.
*/}}
{{- define "common.topologySpread" -}}
{{- $labels := .labels | fromYaml -}}
{{- $out := list -}}
{{- range .constraints -}}
{{- $c := deepCopy . -}}
{{- if not $c.labelSelector -}}
{{- $_ := set $c "labelSelector" (dict "matchLabels" $labels) -}}
{{- end -}}
{{- $out = append $out $c -}}
{{- end -}}
{{- with $out -}}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end -}}
{{- end -}}
