#!/usr/bin/env bash
# Re-pins test/unit/sync/kubefed-overrides.json: runs each case through KubeFed's json-patch library (Go
# module proxy) and records its outcome. Edit the cases there (name, doc, overrides), then run this.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
fixture="$here/../../test/unit/sync/kubefed-overrides.json"
cd "$here"
GOFLAGS=-mod=mod go run . < "$fixture" > "$fixture.tmp"
mv "$fixture.tmp" "$fixture"
