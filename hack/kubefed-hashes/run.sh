#!/usr/bin/env bash
# Regenerates test/fixtures/propagated-version/kubefed-hashes.json: KubeFed v0.10.0's own hash and naming
# functions applied to test/fixtures/propagated-version/objects.json, the reference that
# test/unit/sync/propagated-version.test.ts holds kubefed-ts's to. Builds main.go in a throwaway module
# (outside the repository) against sigs.k8s.io/kubefed from the Go module proxy; Go only runs here.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo="$PWD"
# shellcheck source=../lib/kubefed-module.sh
source hack/lib/kubefed-module.sh

work="$(mktemp -d "${TMPDIR:-/tmp}/kubefed-ts-hashes.XXXXXX")"
trap 'rm -rf "$work"' EXIT
cp hack/kubefed-hashes/main.go "$work/"
init_kubefed_module "$work" kubefed-ts.local/kubefed-hashes
go run . "$repo/test/fixtures/propagated-version/objects.json" > "$work/out.json"
# Go wrote it; a go version line says which encoding/json produced the hashes.
{
  printf '{\n  "generatedBy": "hack/kubefed-hashes/run.sh: sigs.k8s.io/kubefed %s, %s",\n  "results": ' "$KUBEFED_VERSION" "$(go version | cut -d' ' -f3)"
  sed '1!s/^/  /' "$work/out.json"
  printf '}\n'
} > "$repo/test/fixtures/propagated-version/kubefed-hashes.json"
echo "wrote test/fixtures/propagated-version/kubefed-hashes.json"
