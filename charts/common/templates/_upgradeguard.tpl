{{/*
common.upgradeGuard: on an upgrade (the StatefulSet exists), fail the render when a value
changed a field the API server never lets a StatefulSet change (selector, serviceName,
podManagementPolicy, volumeClaimTemplates), naming the value, the old and the new setting
and the way out, instead of the API server's generic "Forbidden".

Given (dict
  "ctx"         the chart's context
  "existing"    the StatefulSet as the API server returns it (lookup), or empty
  "name"        the StatefulSet's name
  "selector"    the selector labels this render uses (YAML)
  "serviceName" the headless Service this render uses
  "claims"      the volumeClaimTemplates this render sends (YAML list, may be empty)
  "sources"     per claim name, the values that shape it: (dict "data" (dict "enabled"
                "persistence.enabled" "size" "persistence.size" "storageClass" ...
                "accessModes" ... "annotations" ...)). An optional claim (one whose
                "enabled" differs from the primary claim's) may add "holds" (what it
                keeps, for the message), "addHint" and "addAfter" (advice when it is
                switched on).
  "primary"     the claim that exists whenever persistence is on ("data")
  "podManagementPolicy"  optional: what this render sets when it is not the chart's
                podManagementPolicy value (a StatefulSet that fixes its own)).

lookup is empty under helm template, helm lint and client-side dry runs, so those never
see the guard; helm upgrade and --dry-run=server do. A StatefulSet owned by another release
is left alone (helm reports the ownership conflict itself).
*/}}
{{- define "common.upgradeGuard" -}}
{{- $existing := .existing | default dict -}}
{{- $ctx := .ctx -}}
{{- $owner := dig "metadata" "annotations" "meta.helm.sh/release-name" "" $existing -}}
{{- if and $existing (or (not $owner) (eq $owner $ctx.Release.Name)) -}}
{{- $p := include "common.names.valuesPrefix" $ctx -}}
{{- $sts := .name -}}
{{- $ns := $ctx.Release.Namespace -}}
{{- $sources := .sources -}}
{{- $primary := get $sources .primary -}}
{{- $orphan := printf "delete the StatefulSet with `kubectl delete sts %s -n %s --cascade=orphan` (its pods and PVCs keep running) and upgrade again" $sts $ns -}}
{{- $problems := list -}}

{{- /* selector: only nameOverride can change it for the same StatefulSet name */ -}}
{{- $oldSel := dict -}}
{{- range $k, $v := (dig "spec" "selector" "matchLabels" (dict) $existing) -}}{{- $_ := set $oldSel $k (toString $v) -}}{{- end -}}
{{- $newSel := dict -}}
{{- range $k, $v := (.selector | fromYaml) -}}{{- $_ := set $newSel $k (toString $v) -}}{{- end -}}
{{- $selectorChanged := ne (toJson $oldSel) (toJson $newSel) -}}
{{- if $selectorChanged -}}
{{- $oldName := get $oldSel "app.kubernetes.io/name" -}}
{{- $newName := get $newSel "app.kubernetes.io/name" -}}
{{- if ne $oldName $newName -}}
{{- $problems = append $problems (printf "%snameOverride: the StatefulSet selects app.kubernetes.io/name=%q, this upgrade renders %q. A StatefulSet's selector can never change: set %snameOverride so that the name is %q again." $p $oldName $newName $p $oldName) -}}
{{- else -}}
{{- $problems = append $problems (printf "selector: the StatefulSet selects %s, this upgrade renders %s. A StatefulSet's selector can never change: keep the chart's selector labels (nameOverride, the release name)." (toJson $oldSel) (toJson $newSel)) -}}
{{- end -}}
{{- end -}}

{{- /* serviceName */ -}}
{{- $oldSvc := dig "spec" "serviceName" "" $existing -}}
{{- if ne $oldSvc .serviceName -}}
{{- $problems = append $problems (printf "%sservice.headless.name: the StatefulSet's serviceName is %q, this upgrade renders %q. Set %sservice.headless.name to %q again, or %s (the pods then roll onto DNS names under the new Service)." $p $oldSvc .serviceName $p $oldSvc $orphan) -}}
{{- end -}}

{{- /* podManagementPolicy (the API server's default is OrderedReady) */ -}}
{{- $oldPmp := dig "spec" "podManagementPolicy" "OrderedReady" $existing -}}
{{- $newPmp := toString (.podManagementPolicy | default $ctx.Values.podManagementPolicy) -}}
{{- if ne $oldPmp $newPmp -}}
{{- $problems = append $problems (printf "%spodManagementPolicy: the StatefulSet has %q, this upgrade renders %q. Set %spodManagementPolicy back to %q, or %s." $p $oldPmp $newPmp $p $oldPmp $orphan) -}}
{{- end -}}

{{- /* volumeClaimTemplates: which claims */ -}}
{{- $old := dict -}}
{{- $oldNames := list -}}
{{- range (dig "spec" "volumeClaimTemplates" (list) $existing) -}}
{{- $n := dig "metadata" "name" "" . -}}
{{- $_ := set $old $n . -}}
{{- $oldNames = append $oldNames $n -}}
{{- end -}}
{{- $new := dict -}}
{{- $newNames := list -}}
{{- range (.claims | fromYamlArray) -}}
{{- $n := dig "metadata" "name" "" . -}}
{{- $_ := set $new $n . -}}
{{- $newNames = append $newNames $n -}}
{{- end -}}
{{- if ne (join "," $oldNames) (join "," $newNames) -}}
{{- $enabled := $primary.enabled -}}
{{- if and $oldNames (not $newNames) -}}
{{- $problems = append $problems (printf "%s%s: the StatefulSet keeps its data on PVCs, this upgrade sets %s false (emptyDirs, lost with each pod). Set %s%s back to true; to really drop the volumes, %s (the PVCs %s-%s-N stay behind)." $p $enabled $enabled $p $enabled $orphan (first $oldNames) $sts) -}}
{{- else if and $newNames (not $oldNames) -}}
{{- $problems = append $problems (printf "%s%s: the StatefulSet has no volumeClaimTemplates (%s false), this upgrade sets it true. Set %s%s back to false, or %s: the pods then roll one at a time onto new, empty PVCs (nothing is copied from the emptyDirs)." $p $enabled $enabled $p $enabled $orphan) -}}
{{- else -}}
{{- $explained := true -}}
{{- $found := list -}}
{{- range $name := $newNames -}}
{{- if not (hasKey $old $name) -}}
{{- $src := get $sources $name | default dict -}}
{{- if and $src.enabled (ne $src.enabled $enabled) -}}
{{- $found = append $found (printf "%s%s: the StatefulSet has no %s claims, this upgrade sets %s true. Set %s%s back to false%s, or %s: the pods then roll one at a time onto new, empty %s-%s-N claims%s." $p $src.enabled $name $src.enabled $p $src.enabled ($src.addHint | default "") $orphan $name $sts ($src.addAfter | default "")) -}}
{{- else -}}{{- $explained = false -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- range $name := $oldNames -}}
{{- if not (hasKey $new $name) -}}
{{- $src := get $sources $name | default dict -}}
{{- if and $src.enabled (ne $src.enabled $enabled) -}}
{{- $found = append $found (printf "%s%s: the StatefulSet keeps %s on the claims %s-%s-N, this upgrade sets %s false. Set %s%s back to true, or %s (the %s PVCs stay behind)." $p $src.enabled ($src.holds | default "data") $name $sts $src.enabled $p $src.enabled $orphan $name) -}}
{{- else -}}{{- $explained = false -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if $explained -}}
{{- $problems = concat $problems $found -}}
{{- else -}}
{{- $problems = append $problems (printf "volumeClaimTemplates: the StatefulSet has claims [%s], this upgrade renders [%s]. Claim templates cannot change: %s." (join ", " $oldNames) (join ", " $newNames) $orphan) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- /* volumeClaimTemplates: each claim kept */ -}}
{{- range $name := $newNames -}}
{{- if hasKey $old $name -}}
{{- $src := get $sources $name | default (dict "size" (printf "volumeClaimTemplates[%s].storage" $name) "storageClass" (printf "volumeClaimTemplates[%s].storageClassName" $name) "accessModes" (printf "volumeClaimTemplates[%s].accessModes" $name) "annotations" (printf "volumeClaimTemplates[%s].annotations" $name)) -}}
{{- $o := get $old $name -}}
{{- $n := get $new $name -}}
{{- $pvcs := printf "%s-%s-N" $name $sts -}}
{{- /* storage request, compared as quantities: the API server stores 1024Mi as 1Gi */ -}}
{{- $os := dig "spec" "resources" "requests" "storage" "" $o | toString -}}
{{- $nsz := dig "spec" "resources" "requests" "storage" "" $n | toString -}}
{{- $ob := include "common.bytes.quantity" $os -}}
{{- $nb := include "common.bytes.quantity" $nsz -}}
{{- $sizeChanged := ne $os $nsz -}}
{{- if and $ob $nb -}}{{- $sizeChanged = ne $ob $nb -}}{{- end -}}
{{- if $sizeChanged -}}
{{- if and $ob $nb (lt (float64 $nb) (float64 $ob)) -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q requests %s, this upgrade asks for %s. A volume cannot shrink: set %s%s back to %q." $p $src.size $name $os $nsz $p $src.size $os) -}}
{{- else -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q requests %s, this upgrade asks for %s. Resize the PVCs %s in place if the StorageClass allows volume expansion (kubectl patch pvc %s-%s-0 -n %s -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"%s\"}}}}', likewise for every N), then %s; or set %s%s back to %q." $p $src.size $name $os $nsz $pvcs $name $sts $ns $nsz $orphan $p $src.size $os) -}}
{{- end -}}
{{- end -}}
{{- /* storageClassName, in values terms: absent is "", "" is "-" */ -}}
{{- $oc := ternary (dig "spec" "storageClassName" "" $o | default "-") "" (hasKey (dig "spec" (dict) $o) "storageClassName") -}}
{{- $nc := ternary (dig "spec" "storageClassName" "" $n | default "-") "" (hasKey (dig "spec" (dict) $n) "storageClassName") -}}
{{- if ne $oc $nc -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q was installed with %q, this upgrade sets %q. Existing PVCs never change class (the StatefulSet reuses %s by name): set %s%s back to %q, or, to give only claims created from now on the new class, %s." $p $src.storageClass $name $oc $nc $pvcs $p $src.storageClass $oc $orphan) -}}
{{- end -}}
{{- /* accessModes */ -}}
{{- $oa := join "," (dig "spec" "accessModes" (list) $o) -}}
{{- $na := join "," (dig "spec" "accessModes" (list) $n) -}}
{{- if ne $oa $na -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q has [%s], this upgrade renders [%s]. Existing PVCs keep their access modes: set %s%s back to [%s], or, for claims created from now on only, %s." $p $src.accessModes $name $oa $na $p $src.accessModes $oa $orphan) -}}
{{- end -}}
{{- /* annotations */ -}}
{{- $oan := dict -}}
{{- range $k, $v := (dig "metadata" "annotations" (dict) $o) -}}{{- $_ := set $oan $k (toString $v) -}}{{- end -}}
{{- $nan := dict -}}
{{- range $k, $v := (dig "metadata" "annotations" (dict) $n) -}}{{- $_ := set $nan $k (toString $v) -}}{{- end -}}
{{- if ne (toJson $oan) (toJson $nan) -}}
{{- $problems = append $problems (printf "%s%s: the claim template %q has annotations %s, this upgrade renders %s. Set %s%s back, or %s (existing PVCs keep their annotations: use kubectl annotate pvc)." $p $src.annotations $name (toJson $oan) (toJson $nan) $p $src.annotations $orphan) -}}
{{- end -}}
{{- /* labels (the selector labels: reported with the selector) */ -}}
{{- $ol := dict -}}
{{- range $k, $v := (dig "metadata" "labels" (dict) $o) -}}{{- $_ := set $ol $k (toString $v) -}}{{- end -}}
{{- $nl := dict -}}
{{- range $k, $v := (dig "metadata" "labels" (dict) $n) -}}{{- $_ := set $nl $k (toString $v) -}}{{- end -}}
{{- if and (ne (toJson $ol) (toJson $nl)) (not $selectorChanged) -}}
{{- $problems = append $problems (printf "volumeClaimTemplates: the claim template %q has labels %s, this upgrade renders %s. Claim templates cannot change: %s." $name (toJson $ol) (toJson $nl) $orphan) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- if $problems -}}
{{- fail (printf "upgrade refused: the StatefulSet %s/%s exists and this upgrade changes fields the API server never lets a StatefulSet change (selector, serviceName, podManagementPolicy, volumeClaimTemplates):\n- %s" $ns $sts (join "\n- " $problems)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
