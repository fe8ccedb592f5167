{{/*
common.secrets.passwords: the data of a chart-generated Secret of passwords, as a YAML map
of base64 values: for each key in .keys, the value the existing Secret already holds, else
32 random letters and digits. .existing is that Secret as the API server returns it
(`lookup "v1" "Secret" <namespace> <name>`, empty on a first install and under helm
template) — so a password is generated once, when its key first appears, and no upgrade
ever changes it. Tests pass .existing directly. A key no longer in .keys is dropped.
(dict "existing" <Secret or empty> "keys" <list of key names>)
*/}}
{{- define "common.secrets.passwords" -}}
{{- $old := dig "data" dict (.existing | default dict) -}}
{{- $data := dict -}}
{{- range $key := .keys -}}
{{- $_ := set $data $key (get $old $key | default (randAlphaNum 32 | b64enc)) -}}
{{- end -}}
{{- toYaml $data -}}
{{- end -}}
