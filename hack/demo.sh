#!/usr/bin/env bash
# The newcomer's first command: installs what is missing, builds the real Kubernetes binaries once
# (cached), and starts a local federation: one etcd, a host and two member kube-apiservers with
# kubefed-ts's CRDs on the host. Stop it with `npm run clusters:down`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash hack/build-binaries.sh >/dev/null
exec npx tsx hack/clusters.ts up
