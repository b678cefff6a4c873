# Sourced by hack/build-binaries.sh and hack/build-kubefed.sh, which build test fixtures from the Go module
# proxy once and cache them: what both do before building anything.

# exit_if_built_or_no_go BIN_DIR WHAT [MISSING...]: with nothing MISSING, says WHAT is cached, prints BIN_DIR
# (the scripts' output) and exits 0, without needing Go; with something missing but no Go toolchain, says
# what Go is needed for and how to get it, and exits 1. Returns only when there is something to build and
# Go to build it with. Logs through the calling script's log().
exit_if_built_or_no_go() {
  local bin_dir="$1" what="$2"
  shift 2
  if [ $# -eq 0 ]; then
    log "all $what cached in $bin_dir"
    echo "$bin_dir"
    exit 0
  fi
  if ! command -v go >/dev/null 2>&1; then
    log "ERROR: Go is not installed, and it is needed once to build the missing $what ($*)."
    log "Install Go 1.25 or newer (https://go.dev/doc/install, or 'apt-get install golang-go' where it is recent enough), then run this again."
    exit 1
  fi
}
