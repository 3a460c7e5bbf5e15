// argocd-replay runs Argo CD's own code, from the argo-cd module at the pinned version, against a
// real API server: the sync's server-side apply, the application controller's diff and its
// resource health (built-in checks, the Lua scripts it ships, and those of an argocd-cm).
// Argo CD itself cannot run here (no cluster, no Redis, no repo server); these are the library
// calls its application controller makes, with the options its defaults give.
//
//	argocd-replay sync   --kubeconfig F --app NAME               < objects.json
//	argocd-replay diff   --kubeconfig F --application F [--argocd-cm F]  < objects.json
//	argocd-replay health --kubeconfig F [--app NAME] [--argocd-cm F] < objects.json
//	argocd-replay health-file [--argocd-cm F]                    < objects.json   (objects as given, no server)
//	argocd-replay upstream-tests DIR GROUP/KIND...               (runs upstream's health_test.yaml cases)
//	argocd-replay version                                        (the Argo CD module it was built from)
//
// objects.json is a JSON array of manifests; each command prints one JSON array, one entry per object.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/diff"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/health"
	resourceutil "github.com/argoproj/argo-cd/gitops-engine/v3/pkg/sync/resource"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/kube"
	"github.com/argoproj/argo-cd/gitops-engine/v3/pkg/utils/tracing"
	"github.com/argoproj/argo-cd/v3/common"
	"github.com/argoproj/argo-cd/v3/pkg/apis/application/v1alpha1"
	"github.com/argoproj/argo-cd/v3/util/argo"
	argodiff "github.com/argoproj/argo-cd/v3/util/argo/diff"
	"github.com/argoproj/argo-cd/v3/util/argo/normalizers"
	"github.com/argoproj/argo-cd/v3/util/lua"
	"github.com/argoproj/argo-cd/v3/util/settings"
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	cmdutil "k8s.io/kubectl/pkg/cmd/util"
	"sigs.k8s.io/yaml"
)

const argocdNamespace = "argocd"

func main() {
	if len(os.Args) < 2 {
		fail("usage: argocd-replay sync|diff|health|health-file|upstream-tests|version ...")
	}
	cmd, args := os.Args[1], os.Args[2:]
	fs := flag.NewFlagSet(cmd, flag.ExitOnError)
	kubeconfig := fs.String("kubeconfig", "", "kubeconfig of the destination cluster")
	app := fs.String("app", "", "name of the Application the objects belong to (annotation tracking)")
	application := fs.String("application", "", "the Application (YAML or JSON) whose objects are diffed: its name, compare options, sync options and ignoreDifferences apply")
	argocdCM := fs.String("argocd-cm", "", "an argocd-cm ConfigMap (YAML) whose resource customizations apply")
	_ = fs.Parse(args)
	ctx := context.Background()
	var out any
	var err error
	switch cmd {
	case "sync":
		out, err = syncObjects(ctx, restConfig(*kubeconfig), *app, readObjects())
	case "diff":
		out, err = diffObjects(ctx, restConfig(*kubeconfig), readApplication(*application), overrides(ctx, *argocdCM), readObjects())
	case "health":
		var lives []*unstructured.Unstructured
		lives, err = liveObjects(ctx, restConfig(*kubeconfig), readObjects(), true)
		if err == nil {
			out = healthOf(lives, *app, overrides(ctx, *argocdCM))
		}
	case "health-file":
		out = healthOf(readObjects(), *app, overrides(ctx, *argocdCM))
	case "version":
		fmt.Printf("argocd-replay: Argo CD Version: %s\n", strings.TrimPrefix(argocdVersion(), "v"))
		return
	case "upstream-tests":
		out, err = upstreamTests(fs.Args())
	default:
		fail("unknown command " + cmd)
	}
	if err != nil {
		fail(err.Error())
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}

// argocdVersion is the version of the argo-cd module compiled in (go build info).
func argocdVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/argoproj/argo-cd/v3" {
				return d.Version
			}
		}
	}
	return "unknown"
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "argocd-replay: "+msg)
	os.Exit(1)
}

func restConfig(path string) *rest.Config {
	c, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		fail(fmt.Sprintf("kubeconfig %s: %v", path, err))
	}
	return c
}

func readObjects() []*unstructured.Unstructured {
	b, err := io.ReadAll(os.Stdin)
	if err != nil {
		fail(err.Error())
	}
	var raw []map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		fail("stdin is not a JSON array of objects: " + err.Error())
	}
	objs := make([]*unstructured.Unstructured, len(raw))
	for i, m := range raw {
		objs[i] = &unstructured.Unstructured{Object: m}
	}
	return objs
}

func ref(u *unstructured.Unstructured) string {
	return fmt.Sprintf("%s/%s %s/%s", u.GroupVersionKind().GroupVersion(), u.GetKind(), u.GetNamespace(), u.GetName())
}

// overrides are the resource customizations Argo CD's settings manager reads from argocd-cm,
// defaults included (status is ignored in diffs of every kind unless argocd-cm says otherwise).
func overrides(ctx context.Context, cmFile string) map[string]v1alpha1.ResourceOverride {
	cm := &corev1.ConfigMap{}
	if cmFile != "" {
		b, err := os.ReadFile(cmFile)
		if err != nil {
			fail(err.Error())
		}
		if err := yaml.Unmarshal(b, cm); err != nil {
			fail(fmt.Sprintf("%s: %v", cmFile, err))
		}
	}
	cm.Name, cm.Namespace = common.ArgoCDConfigMapName, argocdNamespace
	cm.Labels = map[string]string{"app.kubernetes.io/part-of": "argocd"}
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Name: common.ArgoCDSecretName, Namespace: argocdNamespace,
		Labels: map[string]string{"app.kubernetes.io/part-of": "argocd"},
	}}
	mgr := settings.NewSettingsManager(ctx, fake.NewClientset(cm, secret), argocdNamespace)
	o, err := mgr.GetResourceOverrides()
	if err != nil {
		fail("argocd-cm: " + err.Error())
	}
	return o
}

// track sets the tracking annotation Argo CD (v3 default: annotation tracking) adds to each
// desired object before it syncs or diffs it.
func track(objs []*unstructured.Unstructured, app string) error {
	rt := argo.NewResourceTracking()
	for _, o := range objs {
		if err := rt.SetAppInstance(o, common.LabelKeyAppInstance, app, argocdNamespace, v1alpha1.TrackingMethodAnnotation, ""); err != nil {
			return err
		}
	}
	return nil
}

var kubectl = &kube.KubectlCmd{Log: logr.Discard(), Tracer: tracing.NopTracer{}}

// syncObjects applies each object as an automated sync with ServerSideApply=true does: kubectl's
// server-side apply as argocd-controller, conflicts forced (gitops-engine forces them with SSA).
func syncObjects(ctx context.Context, config *rest.Config, app string, objs []*unstructured.Unstructured) ([]map[string]string, error) {
	if err := track(objs, app); err != nil {
		return nil, err
	}
	ops, cleanup, err := kubectl.ManageResources(config)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	out := []map[string]string{}
	for _, o := range objs {
		msg, err := ops.ApplyResource(ctx, o, cmdutil.DryRunNone, false, false, true, common.ArgoCDSSAManager)
		entry := map[string]string{"object": ref(o), "result": strings.TrimSpace(msg)}
		if err != nil {
			entry["error"] = err.Error()
		}
		out = append(out, entry)
	}
	return out, nil
}

type mapper struct {
	dyn dynamic.Interface
	rm  *restmapper.DeferredDiscoveryRESTMapper
}

func newMapper(config *rest.Config) (*mapper, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(config)
	if err != nil {
		return nil, err
	}
	return &mapper{dyn: dyn, rm: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))}, nil
}

// live is the object as the API server holds it, or nil when it does not exist.
func (m *mapper) live(ctx context.Context, o *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	gvk := o.GroupVersionKind()
	mapping, err := m.rm.RESTMapping(schema.GroupKind{Group: gvk.Group, Kind: gvk.Kind}, gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ref(o), err)
	}
	var ri dynamic.ResourceInterface = m.dyn.Resource(mapping.Resource)
	if mapping.Scope.Name() == "namespace" {
		ri = m.dyn.Resource(mapping.Resource).Namespace(o.GetNamespace())
	}
	l, err := ri.Get(ctx, o.GetName(), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return l, err
}

// liveObjects are the objects as the API server holds them (nil for one that does not exist,
// unless mustExist).
func liveObjects(ctx context.Context, config *rest.Config, objs []*unstructured.Unstructured, mustExist bool) ([]*unstructured.Unstructured, error) {
	m, err := newMapper(config)
	if err != nil {
		return nil, err
	}
	lives := make([]*unstructured.Unstructured, len(objs))
	for i, o := range objs {
		if lives[i], err = m.live(ctx, o); err != nil {
			return nil, err
		}
		if lives[i] == nil && mustExist {
			return nil, fmt.Errorf("%s does not exist", ref(o))
		}
	}
	return lives, nil
}

func readApplication(file string) *v1alpha1.Application {
	b, err := os.ReadFile(file)
	if err != nil {
		fail(err.Error())
	}
	app := &v1alpha1.Application{}
	if err := yaml.Unmarshal(b, app); err != nil {
		fail(fmt.Sprintf("%s: %v", file, err))
	}
	return app
}

// serverSideDiff is the application controller's choice of diff mode (controller/state.go,
// shouldUseServerSideDiff, with the controller-wide flag at its default, off).
func serverSideDiff(app *v1alpha1.Application) bool {
	if resourceutil.HasAnnotationOption(app, common.AnnotationCompareOptions, "ServerSideDiff=false") {
		return false
	}
	return resourceutil.HasAnnotationOption(app, common.AnnotationCompareOptions, "ServerSideDiff=true") ||
		(app.Spec.SyncPolicy != nil && app.Spec.SyncPolicy.SyncOptions.HasOption("ServerSideApply=true"))
}

// diffObjects compares desired with live as the application controller does for the given
// Application (argo.StateDiffs with the controller's options: annotation tracking, its
// ignoreDifferences, the argocd-cm overrides, argocd-controller as the manager, mutation
// webhooks ignored, and the diff mode the Application's options select).
func diffObjects(ctx context.Context, config *rest.Config, app *v1alpha1.Application, ov map[string]v1alpha1.ResourceOverride, objs []*unstructured.Unstructured) (map[string]any, error) {
	ssd := serverSideDiff(app)
	if err := track(objs, app.Name); err != nil {
		return nil, err
	}
	lives, err := liveObjects(ctx, config, objs, false)
	if err != nil {
		return nil, err
	}
	_, gvkParser, err := kubectl.LoadOpenAPISchema(config)
	if err != nil {
		return nil, err
	}
	b := argodiff.NewDiffConfigBuilder().
		WithDiffSettings(app.Spec.IgnoreDifferences, ov, false, normalizers.IgnoreNormalizerOpts{}).
		WithTracking(common.LabelKeyAppInstance, string(v1alpha1.TrackingMethodAnnotation)).
		WithNoCache().
		WithGVKParser(gvkParser).
		WithManager(common.ArgoCDSSAManager).
		WithServerSideDiff(ssd)
	if ssd {
		applier, cleanup, err := kubectl.ManageServerSideDiffDryRuns(config)
		if err != nil {
			return nil, err
		}
		defer cleanup()
		b.WithServerSideDryRunner(diff.NewK8sServerSideDryRunner(applier))
	}
	dc, err := b.Build()
	if err != nil {
		return nil, err
	}
	res, err := argodiff.StateDiffs(ctx, lives, objs, dc)
	if err != nil {
		return nil, err
	}
	objects := []map[string]any{}
	for i, d := range res.Diffs {
		entry := map[string]any{"object": ref(objs[i]), "modified": d.Modified}
		if d.Modified {
			entry["predictedLive"] = string(d.PredictedLive)
			entry["normalizedLive"] = string(d.NormalizedLive)
		}
		objects = append(objects, entry)
	}
	return map[string]any{"serverSideDiff": ssd, "objects": objects}, nil
}

// healthOf is each object's health as the application controller computes it, and the health of
// the Application `self` they add up to (the worst, by Argo CD's order; objects without a health
// check do not count, nor does `self` itself, as in controller/health.go).
func healthOf(objs []*unstructured.Unstructured, self string, ov map[string]v1alpha1.ResourceOverride) map[string]any {
	objects := []map[string]string{}
	app := health.HealthStatusHealthy
	for _, o := range objs {
		entry := map[string]string{"object": ref(o)}
		if o.GetKind() == "Application" && o.GroupVersionKind().Group == "argoproj.io" && o.GetName() == self && o.GetNamespace() == argocdNamespace {
			entry["skipped"] = "the Application itself"
			objects = append(objects, entry)
			continue
		}
		hs, err := health.GetResourceHealth(o, lua.ResourceHealthOverrides(ov))
		if hs != nil {
			entry["status"], entry["message"] = string(hs.Status), hs.Message
			if health.IsWorse(app, hs.Status) {
				app = hs.Status
			}
		}
		if err != nil {
			entry["error"] = err.Error()
		}
		objects = append(objects, entry)
	}
	return map[string]any{"application": string(app), "objects": objects}
}

// upstreamTests runs the health_test.yaml cases Argo CD ships beside its built-in scripts, for
// the given group/kind folders under dir (resource_customizations of the module), with the
// scripts compiled into this binary.
func upstreamTests(args []string) ([]map[string]string, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("usage: upstream-tests DIR GROUP/KIND...")
	}
	dir := args[0]
	out := []map[string]string{}
	for _, gk := range args[1:] {
		b, err := os.ReadFile(filepath.Join(dir, gk, "health_test.yaml"))
		if err != nil {
			return nil, err
		}
		var suite struct {
			Tests []struct {
				HealthStatus health.HealthStatus `json:"healthStatus"`
				InputPath    string              `json:"inputPath"`
			} `json:"tests"`
		}
		if err := yaml.Unmarshal(b, &suite); err != nil {
			return nil, fmt.Errorf("%s: %w", gk, err)
		}
		for _, t := range suite.Tests {
			in, err := os.ReadFile(filepath.Join(dir, gk, t.InputPath))
			if err != nil {
				return nil, err
			}
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal(in, &obj.Object); err != nil {
				return nil, fmt.Errorf("%s %s: %w", gk, t.InputPath, err)
			}
			hs, err := health.GetResourceHealth(obj, lua.ResourceHealthOverrides(nil))
			entry := map[string]string{"kind": gk, "input": t.InputPath, "wantStatus": string(t.HealthStatus.Status), "wantMessage": t.HealthStatus.Message}
			if hs != nil {
				entry["status"], entry["message"] = string(hs.Status), hs.Message
			}
			if err != nil {
				entry["error"] = err.Error()
			}
			out = append(out, entry)
		}
	}
	return out, nil
}
