// A throwaway module, outside the npm build: applies overrides the way KubeFed v0.10 did, with the
// json-patch library it used, to pin test/unit/sync/kubefed-overrides.json (run ./pin.sh).
module kubefed-ts.local/kubefed-overrides

go 1.22

require github.com/evanphx/json-patch v4.12.0+incompatible

require github.com/pkg/errors v0.9.1 // indirect
