#!/usr/bin/env bash
# The newcomer's first command: installs what is missing, builds the real Kubernetes binaries once
# (cached), builds kubefed-ts, and runs a local federation with the controller-manager, two joined members
# and a sample workload (hack/demo.ts); `npm run demo -- --pull-member` joins member2 in pull mode with its
# agent as a process. Stop it with `npm run clusters:down`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash hack/build-binaries.sh >/dev/null
npm run --silent build
exec npx tsx hack/demo.ts "$@"
