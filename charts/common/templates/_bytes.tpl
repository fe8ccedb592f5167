{{/*
Sizes in bytes. Kubernetes and the JVM read the same letters differently: to Kubernetes
"4G" is 4·10^9 bytes and "4Gi" 4·2^30; to the JVM (-Xmx4G) "4G" is 4·2^30. Comparing a heap
with a memory limit must read each with its own rules.
*/}}

{{/*
common.bytes.quantity: a Kubernetes quantity (resource.Quantity: 2Gi, 1.5G, 500M, 1e9,
128974848, 0.5Ki) as a whole number of bytes, or "" when the text is not a quantity. The
grammar is apimachinery's: <sign?><digits>[.<digits>] then a binary suffix (Ki..Ei), a
decimal suffix (n u m "" k M G T P E) or an exponent (e3, E-2).
*/}}
{{- define "common.bytes.quantity" -}}
{{- $q := toString . -}}
{{- $match := regexFindAll "^([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$" $q 1 -}}
{{- if $match -}}
{{- $number := regexReplaceAll "^([+-]?[0-9.]+).*$" $q "${1}" -}}
{{- $suffix := trimPrefix $number $q -}}
{{- $units := dict "" 1.0 "n" 0.000000001 "u" 0.000001 "m" 0.001 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "P" 1000000000000000.0 "E" 1000000000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 "Pi" 1125899906842624.0 "Ei" 1152921504606846976.0 -}}
{{- if hasKey $units $suffix -}}
{{- printf "%.0f" (mulf (float64 $number) (get $units $suffix)) -}}
{{- else -}}
{{- printf "%.0f" (float64 (printf "%se%s" $number (substr 1 -1 $suffix))) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
common.bytes.jvm: a JVM size as -Xmx/-Xms take it (1G, 512m, 1048576k, 1073741824) as a
whole number of bytes, or "" when the JVM would refuse it (k/K = 2^10, m/M = 2^20,
g/G = 2^30, t/T = 2^40; "Mi" or "1.5G" are not JVM sizes).
*/}}
{{- define "common.bytes.jvm" -}}
{{- $s := toString . -}}
{{- if regexMatch "^[0-9]+[kKmMgGtT]?$" $s -}}
{{- $number := regexReplaceAll "[^0-9]" $s "" -}}
{{- $units := dict "" 1.0 "k" 1024.0 "m" 1048576.0 "g" 1073741824.0 "t" 1099511627776.0 -}}
{{- printf "%.0f" (mulf (float64 $number) (get $units (lower (trimPrefix $number $s)))) -}}
{{- end -}}
{{- end -}}
