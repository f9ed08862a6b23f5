#!/usr/bin/env bash
# Makes sure the local Redis (127.0.0.1:6379) and PostgreSQL (127.0.0.1:5432) that Shoal's tests and demo use are
# running: starts installed-but-stopped servers, and says exactly what to run when they are not installed.
# Also creates the `test` database the tests use, and installs Chromium and HAProxy for the e2e tests (Debian, as root). Exits non-zero if a service cannot be made available.
set -uo pipefail

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
postgres_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

wait_for() { # name check
  for _ in $(seq 1 60); do "$2" && return 0; sleep 0.5; done
  echo "shoal: $1 did not come up within 30 s" >&2
  return 1
}

status=0

if ! redis_up; then
  if command -v redis-server >/dev/null 2>&1; then
    echo "shoal: starting redis-server on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no >/dev/null
    wait_for Redis redis_up || status=1
  else
    echo "shoal: Redis is not running and not installed. Run one of:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install -y redis-server" >&2
    echo "  macOS:         brew install redis && brew services start redis" >&2
    echo "  Docker:        docker run -d --name shoal-redis -p 6379:6379 redis:7" >&2
    status=1
  fi
fi

if ! postgres_up; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    echo "shoal: starting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    wait_for PostgreSQL postgres_up || status=1
  else
    echo "shoal: PostgreSQL is not running and not installed. Run one of (local development: trust authentication):" >&2
    echo "  Debian/Ubuntu: sudo apt-get install -y postgresql && sudo sed -i -E 's/(scram-sha-256|md5|peer)\$/trust/' /etc/postgresql/*/main/pg_hba.conf && sudo pg_ctlcluster \$(ls /etc/postgresql) main restart" >&2
    echo "  macOS:         brew install postgresql@16 && brew services start postgresql@16 && sleep 3 && createuser -s postgres" >&2
    echo "  Docker:        docker run -d --name shoal-postgres -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust postgres:16" >&2
    status=1
  fi
fi

if postgres_up; then
  exists=$(psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" 2>/dev/null)
  if [ "$exists" != "1" ]; then
    createdb -h 127.0.0.1 -U postgres test || { echo "shoal: could not create database 'test'" >&2; status=1; }
  fi
fi

# Test tools from Debian packages: Chromium drives the dashboard's browser test, HAProxy the rolling-restart test.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v haproxy >/dev/null 2>&1 || missing+=(haproxy)
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
    echo "shoal: installing ${missing[*]} for the browser and load-balancer tests"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } ||
      { echo "shoal: could not install ${missing[*]}" >&2; status=1; }
  else
    echo "shoal: the browser and load-balancer tests need ${missing[*]}. Run one of:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install -y ${missing[*]}" >&2
    echo "  macOS:         brew install --cask chromium && brew install haproxy" >&2
    status=1
  fi
fi

exit $status
