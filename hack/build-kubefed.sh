#!/usr/bin/env bash
# Builds KubeFed v0.10.0 itself, for the conformance run, the migration test and `npm run bench --
# --vs-kubefed`: its e2e test binary (`go test -c` of sigs.k8s.io/kubefed/test/e2e), its controller-manager
# and kubefedctl, and copies its chart's CRDs (into ../crds), from the Go
# module proxy with the machine's Go toolchain. Like hack/build-binaries.sh, the binaries are cached
# outside the repository (by version), so a second run returns at once. Go only builds these fixtures.
#
# Usage: hack/build-kubefed.sh [--print-dir]
#   KUBEFED_TS_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/kubefed-ts)
set -euo pipefail

# shellcheck source=lib/kubefed-module.sh
source "$(dirname "$0")/lib/kubefed-module.sh"
# shellcheck source=lib/go-fixtures.sh
source "$(dirname "$0")/lib/go-fixtures.sh"

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

crd_dir="$(dirname "$bin_dir")/crds"
need=()
for b in e2e.test controller-manager kubefedctl; do [ -x "$bin_dir/$b" ] || need+=("$b"); done
[ -s "$crd_dir/federated-types.yaml" ] || need+=(crds)
exit_if_built_or_no_go "$bin_dir" "KubeFed $KUBEFED_VERSION binaries" ${need[@]+"${need[@]}"}

log "building KubeFed $KUBEFED_VERSION ${need[*]} into $bin_dir (first run only)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kubefed-ts-kubefed.XXXXXX")"
trap 'rm -rf "$work"' EXIT
init_kubefed_module "$work" kubefed-ts.local/kubefed-fixtures
log "downloading sigs.k8s.io/kubefed@$KUBEFED_VERSION and its dependencies"
go mod download sigs.k8s.io/kubefed

# As kubefed's Makefile does, so `controller-manager --version` and the logs say which KubeFed runs.
ldflags="-s -w -X sigs.k8s.io/kubefed/pkg/version.version=$KUBEFED_VERSION"
ldflags+=" -X sigs.k8s.io/kubefed/pkg/version.gitTreeState=clean"

for b in "${need[@]}"; do
  start=$SECONDS
  case "$b" in
    crds)
      # The chart's own CRDs: its core types (KubeFedConfig, KubeFedCluster, FederatedTypeConfig...) and the
      # federated types its FederatedTypeConfigs name, as `helm install` would create them.
      module_dir="$(go list -m -f '{{.Dir}}' sigs.k8s.io/kubefed)"
      mkdir -p "$crd_dir"
      cp "$module_dir/charts/kubefed/charts/controllermanager/crds/crds.yaml" "$crd_dir/core.yaml.tmp"
      cp "$module_dir/charts/kubefed/crds/crds.yaml" "$crd_dir/federated-types.yaml.tmp"
      chmod 644 "$crd_dir"/*.tmp
      mv "$crd_dir/core.yaml.tmp" "$crd_dir/core.yaml"
      mv "$crd_dir/federated-types.yaml.tmp" "$crd_dir/federated-types.yaml"
      log "copied the chart's CRDs into $crd_dir"
      continue ;;
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
