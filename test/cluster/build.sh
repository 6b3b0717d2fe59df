#!/usr/bin/env bash
# Builds (or reuses) a pinned kube-apiserver and etcd from Go modules and prints the directory holding them.
# Honours RELEASE_BOT_KUBE_BIN_DIR (prebuilt binaries: nothing is built) and RELEASE_BOT_KUBE_CACHE (cache root).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=/dev/null
source "$here/versions.env"

if [ -n "${RELEASE_BOT_KUBE_BIN_DIR:-}" ]; then
  for bin in kube-apiserver etcd; do
    [ -x "$RELEASE_BOT_KUBE_BIN_DIR/$bin" ] || { echo "RELEASE_BOT_KUBE_BIN_DIR=$RELEASE_BOT_KUBE_BIN_DIR has no executable $bin" >&2; exit 1; }
  done
  echo "$RELEASE_BOT_KUBE_BIN_DIR"
  exit 0
fi

cache_root=${RELEASE_BOT_KUBE_CACHE:-$HOME/.cache/release-bot/kube}
out="$cache_root/$KUBE_VERSION-stamped-etcd-$ETCD_VERSION"
if [ -x "$out/kube-apiserver" ] && [ -x "$out/etcd" ]; then
  echo "$out"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "The test cluster needs Go 1.24 or newer to build kube-apiserver and etcd: install Go (https://go.dev/dl) or set RELEASE_BOT_KUBE_BIN_DIR to prebuilt binaries." >&2
  exit 1
fi
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
if [ "${go_minor:-0}" -lt 24 ]; then
  echo "The test cluster needs Go 1.24 or newer (found $(go env GOVERSION)): upgrade Go or set RELEASE_BOT_KUBE_BIN_DIR to prebuilt binaries." >&2
  exit 1
fi

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export GOFLAGS=-mod=mod GOTOOLCHAIN=local
started=$(date +%s)

echo "building kube-apiserver $KUBE_VERSION into $out (first time only, 10-20 minutes on 2 cores)" >&2
mkdir -p "$work/apiserver"
cd "$work/apiserver"
kube_mod=$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
staging_minor="v0.${KUBE_VERSION#v1.}"
{
  echo "module releasebot.local/kube-apiserver"
  echo
  sed -n 's/^go \(.*\)/go \1/p' "$kube_mod" | head -n 1
  grep -E '^godebug ' "$kube_mod" || true
  echo
  echo "require k8s.io/kubernetes $KUBE_VERSION"
  echo
  grep -E '=> \./staging/' "$kube_mod" | awk -v v="$staging_minor" '{ print "replace " $1 " => " $1 " " v }'
} > go.mod
go get "k8s.io/kubernetes/cmd/kube-apiserver@$KUBE_VERSION" >&2
# Stamp the version: unstamped, /version reports v0.0.0-master+$Format:%H$, which version-checking clients misread.
minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
version_pkg=k8s.io/component-base/version
stamp="-X $version_pkg.gitVersion=$KUBE_VERSION -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$minor -X $version_pkg.gitTreeState=clean -X $version_pkg.buildDate=1970-01-01T00:00:00Z"
go build -trimpath -ldflags="-s -w $stamp" -o "$out/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
mv "$out/kube-apiserver.tmp" "$out/kube-apiserver"

echo "building etcd $ETCD_VERSION" >&2
mkdir -p "$work/etcd"
cd "$work/etcd"
cat > main.go <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
go mod init releasebot.local/etcd >/dev/null 2>&1
go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >&2
go mod tidy >&2
go build -trimpath -ldflags='-s -w' -o "$out/etcd.tmp" .
mv "$out/etcd.tmp" "$out/etcd"

echo "built in $(( $(date +%s) - started )) s; $(du -sh "$out" | cut -f1) in $out" >&2
echo "$out"
