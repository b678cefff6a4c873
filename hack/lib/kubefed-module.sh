# Sourced by hack/build-kubefed.sh and hack/kubefed-hashes/run.sh: the KubeFed release they build against,
# and the throwaway Go module (outside the repository) that requires it.

KUBEFED_VERSION="v0.10.0"
# KubeFed v0.10.0 pins json-iterator v1.1.11, which pulls reflect2 v1.0.1; that version reads Go's
# runtime internals by name and crashes at start on Go 1.18+. v1.0.2 is the fixed release.
REFLECT2_VERSION="v1.0.2"

# init_kubefed_module DIR MODULE: a Go module named MODULE in DIR (the current folder afterwards) requiring
# KubeFed. The proxy refuses to list kubefed's versions (the repository is archived) but serves this exact
# one; kubefed's go.mod has no replace directives, so requiring it is enough, with only reflect2 raised.
init_kubefed_module() {
  export GOFLAGS="-mod=mod -buildvcs=false"
  export CGO_ENABLED=0
  cd "$1"
  go mod init "$2" >/dev/null 2>&1
  cat >> go.mod <<MOD
require (
	sigs.k8s.io/kubefed $KUBEFED_VERSION
	github.com/modern-go/reflect2 $REFLECT2_VERSION
)
MOD
}
