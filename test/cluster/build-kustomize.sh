#!/usr/bin/env bash
# Builds (or reuses) a pinned kustomize from Go modules and prints the path of the binary.
# Honours RELEASE_BOT_KUSTOMIZE (a prebuilt binary: nothing is built) and RELEASE_BOT_KUBE_CACHE (cache root).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
source "$here/versions.env"

if [ -n "${RELEASE_BOT_KUSTOMIZE:-}" ]; then
  [ -x "$RELEASE_BOT_KUSTOMIZE" ] || { echo "RELEASE_BOT_KUSTOMIZE=$RELEASE_BOT_KUSTOMIZE is not executable" >&2; exit 1; }
  echo "$RELEASE_BOT_KUSTOMIZE"
  exit 0
fi
cache_root=${RELEASE_BOT_KUBE_CACHE:-$HOME/.cache/release-bot/kube}
out="$cache_root/kustomize-$KUSTOMIZE_VERSION"
if [ -x "$out/kustomize" ]; then
  echo "$out/kustomize"
  exit 0
fi
command -v go >/dev/null 2>&1 || { echo "building kustomize needs Go (or set RELEASE_BOT_KUSTOMIZE)" >&2; exit 1; }
mkdir -p "$out"
echo "building kustomize $KUSTOMIZE_VERSION into $out (first time only)" >&2
GOTOOLCHAIN=local GOBIN="$out" go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION" >&2
echo "$out/kustomize"
