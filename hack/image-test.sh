#!/usr/bin/env bash
# The container image, built from the Dockerfile and started on this machine (issue #14, part 1). There is
# no Docker engine and no reachable container registry here, so:
#   - buildah (Debian's package) builds and runs the image, as root, with chroot isolation, in a private
#     image store under the cache folder (overlay driver; vfs where overlay cannot mount);
#   - the base node:20-bookworm-slim is replaced by a local stand-in, localhost/node:20-bookworm-slim, built
#     once by hack/image/build-base.sh (debootstrap + Node and npm from the npm registry) and then cached;
#   - the Dockerfile itself builds unchanged (`buildah bud --pull=never`); `npm ci` inside it trusts this
#     machine's CA bundle through a read-only build volume, of which nothing ends up in the image.
# Then it checks the image: it runs as UID 65532, holds no dev dependencies and none of the build's CA
# configuration; `node dist/main.js` inside it serves /healthz, /readyz and /metrics against a real host
# kube-apiserver and takes the leader lease (hack/image/run-controller.ts); `kubefedctl --help` runs.
#   bash hack/image-test.sh            # build (cached base, cached layers) and check
#   bash hack/image-test.sh --rebuild-base    # build the stand-in base again first
#   bash hack/image-test.sh --clean    # delete the image store (base, layers, images) and exit
# Environment: KUBEFED_TS_CACHE (cache folder), KUBEFED_IMAGE_STORAGE_DRIVER (overlay|vfs),
# KUBEFED_IMAGE_CA_BUNDLE (CA bundle for npm inside the build; default: npm's cafile, else the system's),
# DEBIAN_MIRROR (for debootstrap; default: apt's).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

NODE_VERSION=20.20.2
NPM_VERSION=10.8.2
BASE_IMAGE=localhost/node:20-bookworm-slim
APP_IMAGE=localhost/kubefed-ts:image-test
CONTAINER=kubefed-ts-image-test-$$ # one per run: two runs may share the store
IMAGE_UID=65532

rebuild_base=false
case "${1:-}" in
  "") ;;
  --rebuild-base) rebuild_base=true ;;
  --clean) ;;
  *) echo "usage: $0 [--rebuild-base|--clean]" >&2; exit 2 ;;
esac

t0=$SECONDS
phase_start=$SECONDS
phase_names=()
phase_secs=()
phase_done() { phase_names+=("$1"); phase_secs+=("$((SECONDS - phase_start))"); phase_start=$SECONDS; }

if [ "$(id -u)" != "0" ]; then
  echo "hack/image-test.sh needs root: buildah's chroot isolation, debootstrap and the image's user 65532 on this filesystem" >&2
  exit 1
fi

cache="${KUBEFED_TS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kubefed-ts}/image"
runroot_base=/run/kubefed-ts-image

if [ "${1:-}" = "--clean" ]; then
  for driver in overlay vfs; do
    if [ -d "$cache/storage-$driver" ] && command -v buildah >/dev/null; then
      buildah --root "$cache/storage-$driver" --runroot "$runroot_base-$driver" --storage-driver "$driver" rm --all >/dev/null 2>&1 || true
      buildah --root "$cache/storage-$driver" --runroot "$runroot_base-$driver" --storage-driver "$driver" rmi --all --force >/dev/null 2>&1 || true
    fi
  done
  rm -rf "$cache" "$runroot_base"-overlay "$runroot_base"-vfs
  echo "removed $cache"
  exit 0
fi

# --- tools: Debian's buildah and debootstrap; apt may be busy with another installation, so retry.
missing=()
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "== installing ${missing[*]} (Debian's packages)"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "install ${missing[*]} (Debian/Ubuntu: apt-get install ${missing[*]}), then run this again" >&2
    exit 1
  fi
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if apt-get -o DPkg::Lock::Timeout=60 update -qq >/dev/null 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=60 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1; then
      break
    fi
    [ "$attempt" -lt 10 ] || { echo "apt-get install ${missing[*]} failed 10 times" >&2; exit 1; }
    echo "   apt is busy or failed (attempt $attempt); retrying in 15 s"
    sleep 15
  done
  phase_done "install tools"
fi

# --- the private image store: overlay where the kernel mounts it here, else vfs (slow with --layers).
driver="${KUBEFED_IMAGE_STORAGE_DRIVER:-}"
store_args() { echo "--root $cache/storage-$1 --runroot $runroot_base-$1 --storage-driver $1"; }
if [ -z "$driver" ]; then
  mkdir -p "$cache"
  # shellcheck disable=SC2046
  if buildah $(store_args overlay) images >/dev/null 2>"$cache/overlay-probe.log"; then driver=overlay; else driver=vfs; fi
fi
case "$driver" in overlay | vfs) ;; *) echo "KUBEFED_IMAGE_STORAGE_DRIVER must be overlay or vfs, not '$driver'" >&2; exit 2 ;; esac
read -r -a store <<<"$(store_args "$driver")"
bah() { buildah "${store[@]}" "$@"; }
layers=(--layers)
# vfs copies the whole tree for every layer: caching layers costs more than it saves.
[ "$driver" = overlay ] || layers=(--layers=false)
echo "== image store: $cache/storage-$driver ($driver)"

# --- the stand-in base, cached in the store until its recipe (build-base.sh and the versions) changes.
recipe="$(cat hack/image/build-base.sh <(echo "$NODE_VERSION $NPM_VERSION") | sha256sum | cut -c1-16)"
have_recipe="$(bah inspect --type image --format '{{index .OCIv1.Config.Labels "io.kubefed-ts.base-recipe"}}' "$BASE_IMAGE" 2>/dev/null || true)"
if $rebuild_base || [ "$have_recipe" != "$recipe" ]; then
  echo "== building the stand-in base $BASE_IMAGE (debootstrap; once, then cached)"
  BASE_IMAGE="$BASE_IMAGE" BASE_RECIPE="$recipe" NODE_VERSION="$NODE_VERSION" NPM_VERSION="$NPM_VERSION" \
    bash hack/image/build-base.sh "${store[@]}"
  phase_done "stand-in base (cold)"
else
  echo "== stand-in base $BASE_IMAGE: cached (recipe $recipe)"
fi

# --- npm's CA inside the build: a read-only volume at /usr/local/etc, where npm reads its global npmrc.
ca_bundle="${KUBEFED_IMAGE_CA_BUNDLE:-}"
if [ -z "$ca_bundle" ]; then
  ca_bundle="$(npm config get cafile 2>/dev/null || true)"
  case "$ca_bundle" in "" | null | undefined) ca_bundle=/etc/ssl/certs/ca-certificates.crt ;; esac
fi
build_etc="$(mktemp -d "${TMPDIR:-/tmp}/kubefed-ts-image-etc.XXXXXX")"
checks=""
cleanup() {
  if [ -n "$checks" ]; then bah umount "$checks" >/dev/null 2>&1 || true; bah rm "$checks" >/dev/null 2>&1 || true; fi
  rm -rf "$build_etc" "$build_etc.ca-lines"
}
trap cleanup EXIT
if [ -f "$ca_bundle" ]; then
  cp "$ca_bundle" "$build_etc/ca-certificates.crt"
  printf 'cafile=/usr/local/etc/ca-certificates.crt\nregistry=%s\n' "$(npm config get registry)" >"$build_etc/npmrc"
  chmod -R a+rX "$build_etc"
fi

echo "== buildah bud (Dockerfile as it is, FROM $BASE_IMAGE)"
bud_log="$cache/bud.log"
if ! bah bud --isolation chroot --pull=never "${layers[@]}" --volume "$build_etc:/usr/local/etc:ro" \
  --file Dockerfile --tag "$APP_IMAGE" . >"$bud_log" 2>&1; then
  tail -40 "$bud_log" >&2
  echo "buildah bud failed; the whole log: $bud_log" >&2
  exit 1
fi
phase_done "buildah bud"

echo "== checks"
fail() { echo "FAIL: $*" >&2; exit 1; }
user="$(bah inspect --type image --format '{{.OCIv1.Config.User}}' "$APP_IMAGE")"
[ "$user" = "$IMAGE_UID:$IMAGE_UID" ] || fail "the image's USER is '$user', not $IMAGE_UID:$IMAGE_UID"
checks="$(bah from --pull=never --name "$CONTAINER" "$APP_IMAGE")"
run_in_image() { env -u NODE_EXTRA_CA_CERTS buildah "${store[@]}" run --isolation chroot "$checks" -- "$@"; }

ids="$(run_in_image node -e 'process.stdout.write(`${process.getuid()}:${process.getgid()}`)')"
[ "$ids" = "$IMAGE_UID:$IMAGE_UID" ] || fail "node in the image runs as $ids, not $IMAGE_UID:$IMAGE_UID"
echo "   runs as $ids"

mnt="$(bah mount "$checks")"
# No package that package-lock.json marks dev-only (vitest, typescript, tsx and everything only they need).
node -e '
  const fs = require("node:fs"), path = require("node:path");
  const [lockFile, app] = process.argv.slice(1);
  const dev = Object.entries(JSON.parse(fs.readFileSync(lockFile, "utf8")).packages)
    .filter(([p, e]) => p && e.dev).map(([p]) => p);
  const present = dev.filter((p) => fs.existsSync(path.join(app, p)));
  if (present.length) { console.error(`FAIL: dev dependencies in the image: ${present.join(", ")}`); process.exit(1); }
  console.log(`   none of the ${dev.length} dev-only packages of package-lock.json is in /app/node_modules`);
' "$repo/package-lock.json" "$mnt/app"
# Nothing of the build's CA configuration: no npmrc pointing at a CA file, and none of this machine's own
# CA certificates (Debian keeps local additions in /usr/local/share/ca-certificates) anywhere in the image.
if [ -n "$(ls -A "$mnt/usr/local/etc" 2>/dev/null)" ]; then fail "/usr/local/etc in the image is not empty: $(ls -A "$mnt/usr/local/etc")"; fi
npmrcs="$(find "$mnt" -xdev \( -name npmrc -o -name .npmrc \) -not -path "$mnt/usr/local/lib/node_modules/npm/*" 2>/dev/null || true)"
[ -z "$npmrcs" ] || fail "npmrc files in the image: $npmrcs"
patterns="$build_etc.ca-lines"
: >"$patterns"
for crt in /usr/local/share/ca-certificates/*.crt; do
  # The third line of a PEM certificate: 64 characters of its base64 body, unique to it.
  if [ -f "$crt" ]; then awk '/BEGIN CERTIFICATE/{n=NR} n && NR==n+2{print; n=0}' "$crt" >>"$patterns"; fi
done
if [ -s "$patterns" ]; then
  leaks="$(grep -rlF -f "$patterns" "$mnt" 2>/dev/null || true)"
  [ -z "$leaks" ] || fail "this machine's CA certificates are in the image: $leaks"
  echo "   no build CA configuration, none of this machine's $(wc -l <"$patterns") local CA certificates in the image"
else
  echo "   no build CA configuration in the image (this machine has no local CA certificates to look for)"
fi

# The Dockerfile drops what Node never loads from node_modules (declarations, source maps, TS sources, docs).
unloadable="$(find "$mnt/app/node_modules" -type f \( -name '*.ts' -o -name '*.map' \) | wc -l)"
[ "$unloadable" -eq 0 ] || fail "$unloadable type declarations, TypeScript sources or source maps in /app/node_modules"

image_size="$(bah images --format '{{.Size}}' "$APP_IMAGE" | head -1)"
base_size="$(bah images --format '{{.Size}}' "$BASE_IMAGE" | head -1)"
nm_size="$(du -sh "$mnt/app/node_modules" | cut -f1)"
client_size="$(du -sh "$mnt/app/node_modules/@kubernetes/client-node" | cut -f1)"
echo "   image $image_size (base $base_size); /app/node_modules $nm_size, of which @kubernetes/client-node $client_size"
bah umount "$checks" >/dev/null

help="$(run_in_image node dist/kubefedctl/main.js --help)" || fail "kubefedctl --help failed: $help"
grep -q 'join' <<<"$help" || fail "kubefedctl --help does not list join:\n$help"
echo "   kubefedctl --help: $(grep -c . <<<"$help") lines"
phase_done "image checks"

echo "== node dist/main.js in the image against a real host kube-apiserver"
IMAGE_BUILDAH="$(node -e 'console.log(JSON.stringify(["buildah", ...process.argv.slice(1)]))' -- "${store[@]}")" \
  npx tsx hack/image/run-controller.ts "$checks"
phase_done "controller in the image"

total=$((SECONDS - t0))
summary=""
for i in "${!phase_names[@]}"; do summary+="${summary:+, }${phase_names[$i]} ${phase_secs[$i]} s"; done
echo "== image test passed in $total s ($summary)"
if [ -n "${IMAGE_TEST_RESULT:-}" ]; then
  # For hack/bench.ts: the timings and sizes of this run.
  node -e '
    const [file, driver, total, image, base, nm, client, names, secs] = process.argv.slice(1);
    const n = names ? names.split("|") : [], s = secs ? secs.split("|").map(Number) : [];
    const result = { storageDriver: driver, totalSeconds: Number(total), phases: Object.fromEntries(n.map((x, i) => [x, s[i]])),
      imageSize: image, baseSize: base, nodeModules: nm, clientNode: client };
    require("node:fs").writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
  ' -- "$IMAGE_TEST_RESULT" "$driver" "$total" "$image_size" "$base_size" "$nm_size" "$client_size" \
    "$(IFS='|'; echo "${phase_names[*]}")" "$(IFS='|'; echo "${phase_secs[*]}")"
fi
echo "image-test: 1 passed, 0 failed"
