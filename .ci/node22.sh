#!/usr/bin/env bash
# Installs Node 22 LTS from the npm registry (package node@22) into the git-ignored .tools/ folder when missing,
# then prints the PATH line to eval:  eval "$(bash .ci/node22.sh)"
set -euo pipefail
NODE_VERSION="${O2C_NODE_VERSION:-22.23.3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
tools="$root/.tools/node"
bin="$tools/node_modules/node/bin"
if [ ! -x "$bin/node" ] || [ "$("$bin/node" --version)" != "v$NODE_VERSION" ]; then
  command -v npm >/dev/null || { echo "npm is required to install Node $NODE_VERSION" >&2; exit 1; }
  mkdir -p "$tools"
  # node@22's preinstall fetches the platform binary package from the same registry.
  npm install --prefix "$tools" --no-save --no-audit --no-fund --loglevel=error "node@$NODE_VERSION" >&2
fi
echo "export PATH=\"$bin:\$PATH\""
