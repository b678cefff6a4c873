// Prints what KubeFed v0.10.0's own functions compute for each fixture federated object: the
// PropagatedVersion name, templateVersion, overridesVersion and the recorded version of a member object.
// test/unit/sync/propagated-version.test.ts compares kubefed-ts's functions with this output. Run it with
// hack/kubefed-hashes/run.sh (a throwaway module requiring sigs.k8s.io/kubefed, outside the repository).
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kubefed/pkg/apis/core/common"
	"sigs.k8s.io/kubefed/pkg/controller/sync"
	"sigs.k8s.io/kubefed/pkg/controller/util"
)

type fixture struct {
	Name         string          `json:"name"`
	TargetKind   string          `json:"targetKind"`
	FedObject    json.RawMessage `json:"fedObject"`
	MemberObject json.RawMessage `json:"memberObject,omitempty"`
}

type result struct {
	Name                  string `json:"name"`
	PropagatedVersionName string `json:"propagatedVersionName"`
	TemplateVersion       string `json:"templateVersion,omitempty"`
	TemplateError         bool   `json:"templateError,omitempty"`
	OverridesVersion      string `json:"overridesVersion,omitempty"`
	OverridesError        bool   `json:"overridesError,omitempty"`
	ObjectVersion         string `json:"objectVersion,omitempty"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kubefed-hashes FIXTURES.json")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	check(err)
	var fixtures []fixture
	check(json.Unmarshal(data, &fixtures))

	results := make([]result, 0, len(fixtures))
	for _, f := range fixtures {
		// Decoded as KubeFed's clients decode objects from the API server.
		fedObject := &unstructured.Unstructured{}
		check(fedObject.UnmarshalJSON(f.FedObject))
		r := result{Name: f.Name, PropagatedVersionName: common.PropagatedVersionName(f.TargetKind, fedObject.GetName())}
		if r.TemplateVersion, err = sync.GetTemplateHash(fedObject.Object); err != nil {
			r.TemplateError = true
		}
		if r.OverridesVersion, err = sync.GetOverrideHash(fedObject); err != nil {
			r.OverridesError = true
		}
		if len(f.MemberObject) > 0 {
			memberObject := &unstructured.Unstructured{}
			check(memberObject.UnmarshalJSON(f.MemberObject))
			r.ObjectVersion = util.ObjectVersion(memberObject)
		}
		results = append(results, r)
	}
	out, err := json.MarshalIndent(results, "", "  ")
	check(err)
	fmt.Println(string(out))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
