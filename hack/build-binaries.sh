#!/usr/bin/env bash
# Builds the real Kubernetes binaries the tests and the local demo run: kube-apiserver, kubectl,
# kube-controller-manager (namespace deletion, garbage collection, service-account tokens), etcd and helm
# (the chart's tests lint, render and install charts/kubefed-ts with it), from the Go module proxy with the
# machine's Go toolchain. They are cached outside the repository, so a second run with everything built
# returns at once.
#
# Usage: hack/build-binaries.sh [--with-helm] [--print-dir]
#   --with-helm        accepted for compatibility: helm is now always built
#   KUBEFED_TS_CACHE   cache root (default: ${XDG_CACHE_HOME:-$HOME/.cache}/kubefed-ts)
set -euo pipefail

# shellcheck source=lib/go-fixtures.sh
source "$(dirname "$0")/lib/go-fixtures.sh"

K8S_VERSION="v1.35.4"     # kube-apiserver and kubectl
ETCD_VERSION="v3.6.5"     # the etcd that Kubernetes ${K8S_VERSION} is built and tested against
# Helm v3.20 is built against the Kubernetes v0.35 client libraries (the same minor as K8S_VERSION) and still
# needs only Go 1.25; v3.21+ require Go 1.26.
HELM_VERSION="v3.20.2"

print_dir=false
for arg in "$@"; do
  case "$arg" in
    --with-helm) ;;
    --print-dir) print_dir=true ;;
    *) echo "usage: $0 [--with-helm] [--print-dir]" >&2; exit 2 ;;
  esac
done

cache_root="${KUBEFED_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubefed-ts}"
bin_dir="$cache_root/k8s-$K8S_VERSION/bin"
if $print_dir; then echo "$bin_dir"; exit 0; fi
mkdir -p "$bin_dir"

log() { printf '[build-binaries] %s\n' "$*" >&2; }

need=()
for b in kube-apiserver kubectl kube-controller-manager etcd; do [ -x "$bin_dir/$b" ] || need+=("$b"); done
# helm is cached by version (the marker holds it), so bumping HELM_VERSION rebuilds only helm.
if [ ! -x "$bin_dir/helm" ] || [ "$(cat "$bin_dir/.helm-version" 2>/dev/null)" != "$HELM_VERSION" ]; then need+=(helm); fi
exit_if_built_or_no_go "$bin_dir" binaries ${need[@]+"${need[@]}"}

log "building ${need[*]} into $bin_dir (first run only: about 10-20 minutes on 2 cores)"
work="$(mktemp -d "${TMPDIR:-/tmp}/kubefed-ts-build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export GOFLAGS="-mod=mod -buildvcs=false"
export CGO_ENABLED=0

build_k8s() { # $@: names among kube-apiserver kubectl
  local mod="$work/k8s"; mkdir -p "$mod"; cd "$mod"
  go mod init kubefed-ts.local/k8s-fixtures >/dev/null 2>&1
  log "downloading k8s.io/kubernetes@$K8S_VERSION module metadata"
  local gomod; gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')"
  local staging_version="v0.${K8S_VERSION#v1.}"
  {
    echo "require k8s.io/kubernetes $K8S_VERSION"
    # k8s.io/kubernetes points its staging modules at local folders; map each to its published release.
    sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/k8s.io/[a-z0-9-]*$#replace \1 => \1 '"$staging_version"'#p' "$gomod"
  } >> go.mod
  local ldflags="-s -w"
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean"
  done
  for b in "$@"; do
    log "go build k8s.io/kubernetes/cmd/$b ($K8S_VERSION)"
    go build -trimpath -ldflags "$ldflags" -o "$bin_dir/$b.tmp" "k8s.io/kubernetes/cmd/$b"
    mv "$bin_dir/$b.tmp" "$bin_dir/$b"
  done
}

build_etcd() {
  local mod="$work/etcd"; mkdir -p "$mod"; cd "$mod"
  go mod init kubefed-ts.local/etcd-fixture >/dev/null 2>&1
  echo "require go.etcd.io/etcd/server/v3 $ETCD_VERSION" >> go.mod
  log "go build go.etcd.io/etcd/server/v3 ($ETCD_VERSION)"
  go build -trimpath -ldflags "-s -w" -o "$bin_dir/etcd.tmp" go.etcd.io/etcd/server/v3
  mv "$bin_dir/etcd.tmp" "$bin_dir/etcd"
}

build_helm() {
  local mod="$work/helm"; mkdir -p "$mod"; cd "$mod"
  go mod init kubefed-ts.local/helm-fixture >/dev/null 2>&1
  echo "require helm.sh/helm/v3 $HELM_VERSION" >> go.mod
  log "downloading helm.sh/helm/v3@$HELM_VERSION and its dependencies"
  go mod download helm.sh/helm/v3
  # As helm's Makefile does: the version `helm version` prints, and the Kubernetes version that `helm
  # template`/`helm lint` assume without a cluster (one above the client-go minor it is built with, e.g.
  # client-go v0.35 -> v1.35); without the latter they claim v1.20 and refuse charts needing newer.
  local client_go; client_go="$(go list -m -f '{{.Version}}' k8s.io/client-go)"
  local k8s_minor="${client_go#v0.}"; k8s_minor="${k8s_minor%%.*}"
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
    ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
  done
  log "go build helm.sh/helm/v3/cmd/helm ($HELM_VERSION, default Kubernetes v1.$k8s_minor)"
  go build -trimpath -ldflags "$ldflags" -o "$bin_dir/helm.tmp" helm.sh/helm/v3/cmd/helm
  mv "$bin_dir/helm.tmp" "$bin_dir/helm"
  echo "$HELM_VERSION" > "$bin_dir/.helm-version"
}

k8s_targets=()
for b in "${need[@]}"; do
  case "$b" in
    kube-apiserver|kubectl|kube-controller-manager) k8s_targets+=("$b") ;;
  esac
done
[ ${#k8s_targets[@]} -gt 0 ] && build_k8s "${k8s_targets[@]}"
[[ " ${need[*]} " == *" etcd "* ]] && build_etcd
[[ " ${need[*]} " == *" helm "* ]] && build_helm

log "done: $(ls "$bin_dir" | tr '\n' ' ')"
echo "$bin_dir"
