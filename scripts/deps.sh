#!/usr/bin/env bash
# Installs everything Lamina needs to build, test and run; idempotent.
#   scripts/deps.sh          install what is missing
#   scripts/deps.sh --check  exit 0 when nothing is missing, 1 otherwise
#
# Debian packages come from the distribution's release (bookworm), which fixes
# their versions; npm packages are pinned exactly by package.json and the
# committed package-lock.json, installed into node_modules/.
set -euo pipefail
cd "$(dirname "$0")/.."

DEB_PACKAGES=(
  build-essential cmake pkg-config clang lld llvm libclang-rt-14-dev
  libsecp256k1-dev liblmdb-dev libzstd-dev libcurl4-openssl-dev
  libwebsockets-dev libjansson-dev libcmocka-dev libssl-dev
  zstd curl ca-certificates python3
)

# Node.js 18+ with npm may come from Debian or elsewhere; add Debian's only when absent.
command -v node >/dev/null 2>&1 || DEB_PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || DEB_PACKAGES+=(npm)

missing_debs() {
  local p
  for p in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

npm_ok() {
  [ -f node_modules/.lamina-stamp ] && cmp -s package-lock.json node_modules/.lamina-stamp
}

if [ "${1:-}" = "--check" ]; then
  [ -z "$(missing_debs)" ] && npm_ok && exit 0
  exit 1
fi

need=$(missing_debs | tr '\n' ' ')
if [ -n "$need" ]; then
  echo "deps: installing Debian packages: $need"
  SUDO=""
  [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # shellcheck disable=SC2086
  $SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

if ! npm_ok; then
  echo "deps: installing npm packages (pinned by package-lock.json)"
  # `npm ci` refuses this lockfile: Foundry's packages name optional
  # per-platform packages that are not all published. `npm install` with
  # exact versions in package.json and the lockfile installs the same tree.
  npm install --no-audit --no-fund --loglevel=error
  cp package-lock.json node_modules/.lamina-stamp
fi
echo "deps: all present"
