// Reads override cases (a JSON array of {name, doc, overrides, ...}) on stdin and writes them back with
// "kubefed": {"result": <patched doc>} or {"error": <message>} — what KubeFed v0.10's override step does:
// an empty op becomes "replace", each override is serialised with `value,omitempty`, and the list is
// applied as one RFC 6902 patch by evanphx/json-patch v4.12.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	jsonpatch "github.com/evanphx/json-patch"
)

// The shape KubeFed serialised an override with (omitempty drops a null value).
type clusterOverride struct {
	Op    string      `json:"op,omitempty"`
	Path  string      `json:"path"`
	Value interface{} `json:"value,omitempty"`
}

// A case; "kubefedTs" (what kubefed-ts answers, written by hand) is carried through unchanged.
type overrideCase struct {
	Name      string                 `json:"name"`
	Doc       json.RawMessage        `json:"doc"`
	Overrides json.RawMessage        `json:"overrides"`
	KubeFed   map[string]interface{} `json:"kubefed"`
	KubeFedTs json.RawMessage        `json:"kubefedTs,omitempty"`
}

func outcome(c overrideCase) map[string]interface{} {
	var ops []clusterOverride
	if err := json.Unmarshal(c.Overrides, &ops); err != nil {
		return map[string]interface{}{"error": err.Error()}
	}
	for i := range ops {
		if ops[i].Op == "" {
			ops[i].Op = "replace"
		}
	}
	raw, err := json.Marshal(ops)
	if err != nil {
		return map[string]interface{}{"error": err.Error()}
	}
	patch, err := jsonpatch.DecodePatch(raw)
	if err != nil {
		return map[string]interface{}{"error": err.Error()}
	}
	patched, err := patch.Apply(c.Doc)
	if err != nil {
		return map[string]interface{}{"error": err.Error()}
	}
	return map[string]interface{}{"result": json.RawMessage(patched)}
}

func main() {
	var cases []overrideCase
	if err := json.NewDecoder(os.Stdin).Decode(&cases); err != nil {
		fmt.Fprintln(os.Stderr, "cannot read cases:", err)
		os.Exit(1)
	}
	for i := range cases {
		cases[i].KubeFed = outcome(cases[i])
	}
	fmt.Fprintf(os.Stderr, "pinned %d cases\n", len(cases))
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	out.SetEscapeHTML(false)
	if err := out.Encode(cases); err != nil {
		fmt.Fprintln(os.Stderr, "cannot write cases:", err)
		os.Exit(1)
	}
}
