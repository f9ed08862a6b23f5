#!/usr/bin/env bash
# `npm run test:compose`: runs docker-compose.yml for real with podman, where no image registry is reachable.
#  1. builds local stand-ins for the public base images (node, postgres, redis, haproxy) from Debian packages
#     (debootstrap) and this machine's Node.js — once, cached in $SHOAL_COMPOSE_WORK;
#  2. builds the app image from the real Dockerfile on the node stand-in;
#  3. brings the compose file up (3 replicas), then checks through the load balancer that /cluster lists 3 members
#     and that a socket receives an emit made on another replica; scales to 5 replicas; stops one container; tears
#     everything down (also on failure or Ctrl-C).
# Needs root, podman, podman-compose, runc and debootstrap (Debian: apt-get install -y podman podman-compose runc
# debootstrap). Containers run with `runc` and no default ulimits (containers.conf below), on a bridge network.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=${SHOAL_COMPOSE_WORK:-/var/tmp/shoal-compose}
project=${SHOAL_COMPOSE_PROJECT:-shoalcompose}
standins="$root/scripts/compose-standins"
started=$(date +%s)

say() { printf '\033[1mcompose-test [%3ss]\033[0m %s\n' "$(($(date +%s) - started))" "$*"; }
fail() {
  say "FAILED: $*" >&2
  exit 1
}

for tool in podman podman-compose runc debootstrap node; do
  command -v "$tool" >/dev/null || fail "$tool is missing (apt-get install -y podman podman-compose runc debootstrap)"
done
[ "$(id -u)" = 0 ] || fail "run as root (debootstrap and rootful podman with bridge networks)"

mkdir -p "$work"
export CONTAINERS_CONF="$work/containers.conf"
cat >"$CONTAINERS_CONF" <<'EOF'
[containers]
default_ulimits = []

[engine]
runtime = "runc"
EOF

# --- 1. stand-in base images ---------------------------------------------------------------------------------------
if ! podman image exists localhost/shoal-standin/base; then
  if [ ! -x "$work/rootfs/usr/sbin/haproxy" ]; then
    say "debootstrap: a Debian bookworm root with PostgreSQL, Redis and HAProxy (a few minutes, once)"
    rm -rf "$work/rootfs"
    debootstrap --variant=minbase --include=ca-certificates,postgresql,redis-server,haproxy,procps \
      bookworm "$work/rootfs" http://deb.debian.org/debian >"$work/debootstrap.log" 2>&1 ||
      fail "debootstrap failed, see $work/debootstrap.log"
  fi
  say "importing the Debian root as localhost/shoal-standin/base"
  tar -C "$work/rootfs" -c . | podman import - localhost/shoal-standin/base >/dev/null
fi
if ! podman image exists localhost/shoal-standin/node; then
  say "building localhost/shoal-standin/node with this machine's $(node --version)"
  context="$work/node-context"
  rm -rf "$context" && mkdir -p "$context"
  cp "$(readlink -f "$(command -v node)")" "$context/node"
  cp -r "$(npm root -g)/npm" "$context/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$context/ca-certificates.crt"
  cp "$standins/node.Containerfile" "$context/Containerfile"
  podman build -q -t localhost/shoal-standin/node "$context" >/dev/null
fi
for name in postgres redis haproxy; do
  if ! podman image exists "localhost/shoal-standin/$name"; then
    say "building localhost/shoal-standin/$name"
    podman build -q -t "localhost/shoal-standin/$name" -f "$standins/$name.Containerfile" "$standins" >/dev/null
  fi
done

# --- 2. the app image, from the real Dockerfile --------------------------------------------------------------------
say "building the app image from Dockerfile"
build_started=$(date +%s)
# This machine's npm cache is lent to `npm ci` (a build-time volume, not part of any layer).
podman build --build-arg NODE_IMAGE=localhost/shoal-standin/node -t localhost/shoal-sample:compose-test \
  -v "$(npm config get cache):/root/.npm" -f "$root/Dockerfile" "$root" >"$work/app-build.log" 2>&1 || {
  tail -n 30 "$work/app-build.log" >&2
  fail "the app image did not build"
}
say "app image built in $(($(date +%s) - build_started)) s ($(podman image inspect localhost/shoal-sample:compose-test --format '{{.Size}}' | awk '{printf "%d MB", $1 / 1e6}'))"

# --- 3. compose ----------------------------------------------------------------------------------------------------
lb_port=$(node -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
export APP_IMAGE=localhost/shoal-sample:compose-test NODE_IMAGE=localhost/shoal-standin/node
export POSTGRES_IMAGE=localhost/shoal-standin/postgres REDIS_IMAGE=localhost/shoal-standin/redis
export HAPROXY_IMAGE=localhost/shoal-standin/haproxy LB_PORT=$lb_port
compose=(podman-compose -p "$project" -f "$root/docker-compose.yml")
scale5="$work/scale-5.yml"
printf 'services:\n  app:\n    deploy:\n      replicas: 5\n' >"$scale5"

teardown() {
  say "tearing down"
  "${compose[@]}" -f "$scale5" down -t 10 >"$work/down.log" 2>&1 || true
  podman network rm -f "${project}_default" >/dev/null 2>&1 || true
}
trap teardown EXIT
trap 'exit 130' INT TERM
"${compose[@]}" -f "$scale5" down -t 1 >/dev/null 2>&1 || true

say "compose up: postgres, redis, 3 × app, lb on :$lb_port"
"${compose[@]}" up -d --no-build >"$work/up.log" 2>&1 || {
  tail -n 30 "$work/up.log" >&2
  fail "compose up failed"
}
check() { node "$root/scripts/compose-check.mjs" "http://127.0.0.1:$lb_port" "$@"; }
check members 3 120 || {
  podman logs --tail 20 "${project}_app_1" >&2 || true
  fail "the cluster did not form"
}
check socket || fail "a socket did not receive an emit made on another replica"

say "scaling to 5 replicas"
"${compose[@]}" -f "$scale5" up -d --no-build >>"$work/up.log" 2>&1 || fail "scaling failed"
check members 5 120 || fail "the cluster did not grow to 5"

say "stopping ${project}_app_2 (SIGTERM: graceful leave)"
podman stop -t 30 "${project}_app_2" >/dev/null
check members 4 30 || fail "the stopped replica did not leave"
check served 20 || fail "the load balancer did not route around the stopped replica"

say "PASSED: compose up (3), /cluster through the LB, cross-replica socket emit, scale to 5, stop one → 4"
