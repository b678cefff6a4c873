#!/usr/bin/env bash
# `npm run conformance`: builds what the run needs (the Kubernetes binaries and helm, KubeFed v0.10.0's
# e2e.test, dist/), then runs KubeFed's e2e suite against kubefed-ts (hack/conformance.ts; its flags pass
# through: --subset ci, --focus REGEX, --gate off, --out FILE, --spec-timeout SECONDS).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash hack/build-binaries.sh >/dev/null
bash hack/build-kubefed.sh >/dev/null
npm run --silent build
exec npx tsx hack/conformance.ts "$@"
