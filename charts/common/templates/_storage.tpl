{{/*
common.storage.class: the storageClassName line of a claim for a persistence-style
storageClass value: "-" means storageClassName "" (static provisioning only), empty
leaves the field out (the cluster's default StorageClass), anything else is the class.
*/}}
{{- define "common.storage.class" -}}
{{- if eq (toString .) "-" -}}
storageClassName: ""
{{- else if . -}}
storageClassName: {{ . | quote }}
{{- end -}}
{{- end -}}

{{/*
common.storage.claimTemplate: one volumeClaimTemplates entry (a YAML list item), given
(dict "name" "data" "labels" <selector labels YAML> "size" ... "storageClass" ...
      "accessModes" (list ...) "annotations" (dict ...)).
The charts' StatefulSets and their upgrade guards render claims through this one helper,
so the guard compares exactly what an upgrade would send.
*/}}
{{- define "common.storage.claimTemplate" -}}
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: {{ .name }}
    labels:
      {{- .labels | nindent 6 }}
    {{- with .annotations }}
    annotations:
      {{- toYaml . | nindent 6 }}
    {{- end }}
  spec:
    accessModes:
      {{- toYaml .accessModes | nindent 6 }}
    {{- with (include "common.storage.class" .storageClass) }}
    {{- . | nindent 4 }}
    {{- end }}
    resources:
      requests:
        storage: {{ .size | quote }}
{{- end -}}

{{/*
common.storage.emptyDir: an emptyDir volume source with a sizeLimit (a Kubernetes
quantity; empty means unbounded). Usage: emptyDir: {{ include "common.storage.emptyDir" "64Mi" }}
*/}}
{{- define "common.storage.emptyDir" -}}
{{- if . -}}
{{ dict "sizeLimit" (toString .) | toJson }}
{{- else -}}
{}
{{- end -}}
{{- end -}}
