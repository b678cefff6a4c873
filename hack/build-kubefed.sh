#!/usr/bin/env bash
# Builds KubeFed v0.10.0 itself, for the conformance run and the migration test: its e2e test binary
# (`go test -c` of sigs.k8s.io/kubefed/test/e2e), its controller-manager and kubefedctl, from the Go
# module proxy with the machine's Go toolchain. Like hack/build-binaries.sh, the binaries are cached
# outside the repository (by version), so a second run returns at once. Go only builds these fixtures.
#
# Usage: hack/build-kubefed.sh [--print-dir]
#   KUBEFED_TS_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/kubefed-ts)
set -euo pipefail

KUBEFED_VERSION="v0.10.0"
# KubeFed v0.10.0 pins json-iterator v1.1.11, which pulls reflect2 v1.0.1; that version reads Go's
# runtime internals by name and crashes at start on Go 1.18+. v1.0.2 is the fixed release.
REFLECT2_VERSION="v1.0.2"

print_dir=false
for arg in "$@"; do
  case "$arg" in
    --print-dir) print_dir=true ;;
    *) echo "usage: $0 [--print-dir]" >&2; exit 2 ;;
  esac
done

cache_root="${KUBEFED_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubefed-ts}"
bin_dir="$cache_root/kubefed-$KUBEFED_VERSION/bin"
if $print_dir; then echo "$bin_dir"; exit 0; fi
mkdir -p "$bin_dir"

log() { printf '[build-kubefed] %s\n' "$*" >&2; }

need=()
for b in e2e.test controller-manager kubefedctl; do [ -x "$bin_dir/$b" ] || need+=("$b"); done
if [ ${#need[@]} -eq 0 ]; then
  log "all KubeFed $KUBEFED_VERSION binaries cached in $bin_dir"
  echo "$bin_dir"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  log "ERROR: Go is not installed, and it is needed once to build KubeFed's ${need[*]}."
  log "Install Go 1.25 or newer (https://go.dev/doc/install), then run this again."
  exit 1
fi

log "building KubeFed $KUBEFED_VERSION ${need[*]} into $bin_dir (first run only)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kubefed-ts-kubefed.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0
cd "$work"
go mod init kubefed-ts.local/kubefed-fixtures >/dev/null 2>&1
# The proxy refuses to list kubefed's versions (the repository is archived) but serves this exact one.
# kubefed's go.mod has no replace directives, so requiring it is enough; only reflect2 is raised.
cat >> go.mod <<EOF
require (
	sigs.k8s.io/kubefed $KUBEFED_VERSION
	github.com/modern-go/reflect2 $REFLECT2_VERSION
)
EOF
log "downloading sigs.k8s.io/kubefed@$KUBEFED_VERSION and its dependencies"
go mod download sigs.k8s.io/kubefed

# As kubefed's Makefile does, so `controller-manager --version` and the logs say which KubeFed runs.
ldflags="-s -w -X sigs.k8s.io/kubefed/pkg/version.version=$KUBEFED_VERSION"
ldflags+=" -X sigs.k8s.io/kubefed/pkg/version.gitTreeState=clean"

for b in "${need[@]}"; do
  start=$SECONDS
  case "$b" in
    e2e.test)
      log "go test -c sigs.k8s.io/kubefed/test/e2e"
      go test -c -trimpath -ldflags "$ldflags" -o "$bin_dir/$b.tmp" sigs.k8s.io/kubefed/test/e2e ;;
    *)
      log "go build sigs.k8s.io/kubefed/cmd/$b"
      go build -trimpath -ldflags "$ldflags" -o "$bin_dir/$b.tmp" "sigs.k8s.io/kubefed/cmd/$b" ;;
  esac
  mv "$bin_dir/$b.tmp" "$bin_dir/$b"
  log "$b built in $((SECONDS - start)) s"
done

log "done: $(ls "$bin_dir" | tr '\n' ' ')"
echo "$bin_dir"
