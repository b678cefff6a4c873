#!/usr/bin/env bash
# The test command: everything a fresh machine needs, then the whole suite (unit + integration against
# real kube-apiservers). .ci/run calls exactly this. Every controller-manager the integration tests start
# logs at debug level into a capture folder, and the run fails if any token or key shows up in those logs
# (the credential scan, test/harness/credential-scan.ts).
#   bash hack/test.sh                          # all tests, then the CI subset of KubeFed's e2e suite
#   bash hack/test.sh unit                     # only the unit group (no servers)
#   bash hack/test.sh integration FILE...      # only these integration test files
#   bash hack/test.sh conformance              # KubeFed's e2e suite, CI subset (hack/conformance.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "conformance" ]; then
  exec bash hack/conformance.sh --subset ci "${@:2}"
fi

projects=(--project unit --project integration)
case "${1:-all}" in
  all) ;;
  unit) projects=(--project unit) ;;
  integration) projects=(--project integration) ;;
  *) echo "usage: $0 [all|unit|integration] [FILE...]" >&2; exit 2 ;;
esac
files=("${@:2}")

if [ "${CI:-}" = "true" ] || [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi
if [ "${projects[*]}" != "--project unit" ]; then
  echo "== real Kubernetes binaries (built once from the Go module proxy, then cached)"
  bash hack/build-binaries.sh >/dev/null
  echo "== KubeFed v0.10.0's controller-manager for the migration test (built once from the Go module proxy, then cached)"
  bash hack/build-kubefed.sh >/dev/null
fi
if ! command -v prometheus >/dev/null 2>&1; then
  echo "== Prometheus (Debian's package) for the metrics scrape test"
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  else
    echo "prometheus is not installed: install Debian's 'prometheus' package (apt-get install prometheus), then run this again" >&2
    exit 1
  fi
fi
if [ "${projects[*]}" != "--project unit" ] && [ ! -x /usr/bin/chromium ]; then
  echo "== Chromium (Debian's package) for the status page test"
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    # Another apt run (on a shared machine) may hold the lock for a while: retry rather than fail.
    for attempt in 1 2 3 4 5 6; do
      if apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; then break; fi
      [ "$attempt" -lt 6 ] || { echo "could not install chromium" >&2; exit 1; }
      echo "apt is busy or failed; retrying in 20 s" >&2
      sleep 20
    done
  else
    echo "chromium is not installed: install Debian's 'chromium' package (apt-get install chromium), then run this again" >&2
    exit 1
  fi
fi
echo "== type-check and build (integration tests run the built controller-manager)"
npx tsc -p tsconfig.json --noEmit
npm run --silent build

echo "== vitest ${projects[*]} ${files[*]}"
report="$(mktemp "${TMPDIR:-/tmp}/kubefed-ts-vitest.XXXXXX.json")"
log_dir=""
if [ "${projects[*]}" != "--project unit" ]; then
  # The integration harness writes the controller-managers' debug logs here, and beside them (secrets/,
  # mode 0600) the tokens and keys to look for, deleted by the scan or, failing that, on exit.
  log_dir="$(mktemp -d "${TMPDIR:-/tmp}/kubefed-ts-test-logs.XXXXXX")"
  export KUBEFED_TEST_LOG_DIR="$log_dir"
fi
trap 'rm -f "$report"; if [ -n "$log_dir" ]; then rm -rf "$log_dir/secrets"; fi' EXIT
status=0
npx vitest run "${projects[@]}" "${files[@]}" --reporter=default --reporter=json --outputFile.json="$report" || status=$?
# vitest's own summary is not a format every CI reader knows; print the plain one too.
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
' "$report" || true
if [ -n "$log_dir" ]; then
  scan=0
  npx tsx hack/scan-test-logs.ts "$log_dir" || scan=$?
  if [ "$scan" -ne 0 ] || [ "$status" -ne 0 ]; then
    echo "controller-manager logs (debug) of this run: $log_dir"
    [ "$scan" -eq 0 ] || status=1
  else
    rm -rf "$log_dir"
  fi
fi
# The whole suite ends with the CI subset of KubeFed's own e2e suite against kubefed-ts (a few minutes;
# KUBEFED_CONFORMANCE=0 leaves it out).
if [ "${1:-all}" = "all" ] && [ ${#files[@]} -eq 0 ] && [ "${KUBEFED_CONFORMANCE:-1}" != "0" ]; then
  echo "== KubeFed v0.10.0's e2e suite, CI subset (hack/conformance.sh --subset ci)"
  bash hack/conformance.sh --subset ci || status=1
fi
exit "$status"
