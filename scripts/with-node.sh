#!/usr/bin/env bash
# Runs a command under another Node.js release line, e.g. to test the supported ones:
#   scripts/with-node.sh 22 npm run test:fast
#   scripts/with-node.sh 24 npx jest __tests__/api/health.test.ts
# The binary comes from the npm registry (node-linux-<arch>, the package that npm's `node`
# package installs), the newest release of that line, cached in ${BACKENDAPI_NODE_CACHE:-~/.cache/backendapi-node}.
# node_modules stays as installed: the project has no native addons, so it runs on every line.
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 <major version, e.g. 22> <command...>" >&2
  exit 2
fi
major="$1"
shift
case "$(uname -m)" in
  x86_64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) echo "no node-linux package for $(uname -m)" >&2; exit 2 ;;
esac
package="node-linux-${arch}"
version="$(npm view "${package}@${major}" version --silent | tail -n 1 | sed -E "s/^.*'([^']+)'$/\1/")"
if [ -z "$version" ]; then
  echo "the npm registry has no ${package}@${major}" >&2
  exit 1
fi
cache="${BACKENDAPI_NODE_CACHE:-${HOME:-/tmp}/.cache/backendapi-node}/${package}-${version}"
if [ ! -x "${cache}/package/bin/node" ]; then
  mkdir -p "${cache}"
  tarball="$(cd "${cache}" && npm pack "${package}@${version}" --silent)"
  tar -xzf "${cache}/${tarball}" -C "${cache}"
  rm -f "${cache}/${tarball}"
fi
export PATH="${cache}/package/bin:${PATH}"
echo "with Node.js $(node --version) (${package}@${version})" >&2
exec "$@"
