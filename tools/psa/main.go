// Command psa evaluates the pods in Kubernetes objects against the Pod Security Standards
// with k8s.io/pod-security-admission/policy, the code the PodSecurity admission plugin runs.
//
// Input (stdin): a YAML or JSON stream of objects ("---" separated), a JSON array of
// objects, or a List (kind: List, or any kind ending in "List" with items). Every object
// with a pod spec (Pod, PodTemplate, ReplicationController, ReplicaSet, Deployment,
// DaemonSet, StatefulSet, Job, CronJob) is decoded with the API machinery's own
// case-sensitive JSON decoder and evaluated at each requested level and version;
// other objects are counted and skipped. Objects are evaluated as written, without the API
// server's defaulting; no defaulted field changes a verdict (hostPort, defaulted from the
// containerPort under hostNetwork, only adds a reason to a pod baseline already forbids).
//
// Output (stdout): one JSON document (see report and result below). The exit status is 0
// whatever the verdicts are; 2 means bad usage or bad input (unparseable document,
// object without apiVersion/kind, a pod-bearing core/apps/batch kind at an apiVersion
// this program cannot decode), with the reason on stderr.
//
//	psa -level restricted,baseline -version latest,1.29 < objects.yaml
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/pod-security-admission/api"
	"k8s.io/pod-security-admission/policy"
)

const policyModule = "k8s.io/pod-security-admission"

// podKinds are the kinds admission.DefaultPodSpecExtractor knows, in the API groups it
// knows them in. An object of one of these kinds in one of these groups that cannot be
// decoded is bad input, never a silent skip.
var podKinds = map[string]bool{
	"Pod": true, "PodTemplate": true, "ReplicationController": true, "ReplicaSet": true,
	"Deployment": true, "DaemonSet": true, "StatefulSet": true, "Job": true, "CronJob": true,
}
var podGroups = map[string]bool{"": true, "apps": true, "batch": true, "extensions": true}

type forbidden struct {
	Reason string `json:"reason"`
	Detail string `json:"detail"`
}

type result struct {
	Index      int    `json:"index"` // position in the input, Lists and arrays flattened
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	Level      string `json:"level"`
	Version    string `json:"version"`
	Allowed    bool   `json:"allowed"`
	// Forbidden lists the failed checks in the policy's order; Message is the text the
	// admission plugin would answer with (empty when allowed).
	Forbidden []forbidden `json:"forbidden"`
	Message   string      `json:"message,omitempty"`
	// Warnings are strict-decoding findings (unknown or duplicate fields): the API server
	// drops such fields, and so does this evaluation.
	Warnings []string `json:"warnings,omitempty"`
}

type report struct {
	Policy  string   `json:"policy"` // module@version that evaluated the pods
	Objects int      `json:"objects"`
	Pods    int      `json:"pods"` // objects with a pod spec (each evaluated len(levels)*len(versions) times)
	Levels  []string `json:"levels"`
	Results []result `json:"results"`
}

func main() {
	levels := flag.String("level", "restricted", "comma-separated levels: restricted, baseline")
	versions := flag.String("version", "latest", `comma-separated policy versions: "latest" or a Kubernetes minor such as 1.35`)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: psa [-level restricted,baseline] [-version latest,1.35] < objects\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 {
		fail("unexpected arguments: %v", flag.Args())
	}
	lvs, err := parseLevelVersions(*levels, *versions)
	if err != nil {
		fail("%v", err)
	}
	docs, err := readObjects(os.Stdin)
	if err != nil {
		fail("%v", err)
	}
	rep, err := evaluate(docs, lvs)
	if err != nil {
		fail("%v", err)
	}
	for _, lv := range lvs {
		rep.Levels = append(rep.Levels, lv.String())
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", " ")
	if err := out.Encode(rep); err != nil {
		fail("writing output: %v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "psa: "+format+"\n", args...)
	os.Exit(2)
}

func parseLevelVersions(levels, versions string) ([]api.LevelVersion, error) {
	var out []api.LevelVersion
	for _, l := range strings.Split(levels, ",") {
		level, err := api.ParseLevel(strings.TrimSpace(l))
		if err != nil || level == api.LevelPrivileged {
			return nil, fmt.Errorf("-level %q: must be restricted or baseline", l)
		}
		for _, v := range strings.Split(versions, ",") {
			v = strings.TrimSpace(v)
			s := v
			if s != "latest" && !strings.HasPrefix(s, "v") {
				s = "v" + s
			}
			version, err := api.ParseVersion(s)
			if err != nil {
				return nil, fmt.Errorf("-version %q: %v", v, err)
			}
			out = append(out, api.LevelVersion{Level: level, Version: version})
		}
	}
	return out, nil
}

// readObjects splits a YAML/JSON stream into JSON objects, flattening arrays and Lists.
func readObjects(r io.Reader) ([][]byte, error) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(r))
	var objs [][]byte
	for doc := 1; ; doc++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", doc, err)
		}
		data, err := utilyaml.ToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("document %d: %v", doc, err)
		}
		data = bytes.TrimSpace(data)
		if len(data) == 0 || string(data) == "null" {
			continue // empty document (comments only, or "---" twice)
		}
		if objs, err = appendFlattened(objs, data); err != nil {
			return nil, fmt.Errorf("document %d: %v", doc, err)
		}
	}
}

func appendFlattened(objs [][]byte, data []byte) ([][]byte, error) {
	if data[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, err
		}
		for _, item := range items {
			var err error
			if objs, err = appendFlattened(objs, bytes.TrimSpace(item)); err != nil {
				return nil, err
			}
		}
		return objs, nil
	}
	var head struct {
		Kind  string            `json:"kind"`
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("not a Kubernetes object: %v", err)
	}
	if strings.HasSuffix(head.Kind, "List") && head.Items != nil {
		for _, item := range head.Items {
			var err error
			if objs, err = appendFlattened(objs, bytes.TrimSpace(item)); err != nil {
				return nil, err
			}
		}
		return objs, nil
	}
	return append(objs, data), nil
}

func evaluate(objs [][]byte, lvs []api.LevelVersion) (*report, error) {
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, err
		}
	}
	decoder := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme,
		kjson.SerializerOptions{Strict: true})
	evaluator, err := policy.NewEvaluator(policy.DefaultChecks(), nil)
	if err != nil {
		return nil, err
	}

	rep := &report{Policy: moduleVersion(), Objects: len(objs), Results: []result{}}
	for i, data := range objs {
		gvk, err := kjson.DefaultMetaFactory.Interpret(data)
		if err != nil {
			return nil, fmt.Errorf("object %d: %v", i, err)
		}
		if gvk.Kind == "" || gvk.Version == "" {
			return nil, fmt.Errorf("object %d: apiVersion and kind are required", i)
		}
		if !podKinds[gvk.Kind] || !podGroups[gvk.Group] {
			continue
		}
		obj, _, err := decoder.Decode(data, nil, nil)
		var warnings []string
		if strict, ok := runtime.AsStrictDecodingError(err); ok {
			for _, e := range strict.Errors() {
				warnings = append(warnings, e.Error())
			}
		} else if err != nil {
			return nil, fmt.Errorf("object %d (%s): %v", i, gvk.GroupKind(), err)
		}
		meta, spec, err := extractPodSpec(obj)
		if err != nil {
			return nil, fmt.Errorf("object %d: %v", i, err)
		}
		if spec == nil {
			continue // a ReplicationController without a template has no pod to check
		}
		rep.Pods++
		accessor := obj.(metav1.Object)
		for _, lv := range lvs {
			agg := policy.AggregateCheckResults(evaluator.EvaluatePod(lv, meta, spec))
			res := result{
				Index: i, APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind,
				Namespace: accessor.GetNamespace(), Name: accessor.GetName(),
				Level: string(lv.Level), Version: lv.Version.String(), Allowed: agg.Allowed,
				Forbidden: []forbidden{}, Warnings: warnings,
			}
			for j, reason := range agg.ForbiddenReasons {
				res.Forbidden = append(res.Forbidden, forbidden{reason, agg.ForbiddenDetails[j]})
			}
			if !agg.Allowed {
				// As in admission.go: "violates PodSecurity %q: %s".
				res.Message = fmt.Sprintf("violates PodSecurity %q: %s", lv.String(), agg.ForbiddenDetail())
			}
			rep.Results = append(rep.Results, res)
		}
	}
	return rep, nil
}

// extractPodSpec mirrors admission.DefaultPodSpecExtractor.ExtractPodSpec (same kinds,
// same templates). Importing the admission package would pull in client-go and the
// metrics stack and roughly triple the cold build time for these ten lines.
func extractPodSpec(obj runtime.Object) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.ObjectMeta, &o.Spec, nil
	case *corev1.PodTemplate:
		return fromTemplate(&o.Template)
	case *corev1.ReplicationController:
		return fromTemplate(o.Spec.Template)
	case *appsv1.ReplicaSet:
		return fromTemplate(&o.Spec.Template)
	case *appsv1.Deployment:
		return fromTemplate(&o.Spec.Template)
	case *appsv1.DaemonSet:
		return fromTemplate(&o.Spec.Template)
	case *appsv1.StatefulSet:
		return fromTemplate(&o.Spec.Template)
	case *batchv1.Job:
		return fromTemplate(&o.Spec.Template)
	case *batchv1.CronJob:
		return fromTemplate(&o.Spec.JobTemplate.Spec.Template)
	default:
		return nil, nil, fmt.Errorf("unexpected object type: %s", obj.GetObjectKind().GroupVersionKind())
	}
}

func fromTemplate(t *corev1.PodTemplateSpec) (*metav1.ObjectMeta, *corev1.PodSpec, error) {
	if t == nil {
		return nil, nil, nil
	}
	return &t.ObjectMeta, &t.Spec, nil
}

// moduleVersion is the pod-security-admission module this binary was built with.
func moduleVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == policyModule {
				if dep.Replace != nil {
					dep = dep.Replace
				}
				return dep.Path + "@" + dep.Version
			}
		}
	}
	return policyModule + "@unknown"
}
