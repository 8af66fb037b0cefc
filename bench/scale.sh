#!/usr/bin/env bash
# bench/scale.sh — the scale curve: how the service behaves with many stored tokens. On loopback only, bounded in time.
#   bash bench/scale.sh                  (SIZES="10000 1000000 10000000" by default; DURATION=10 seconds per rate)
#   DB=postgresql bash bench/scale.sh    (a throwaway PostgreSQL cluster from Debian's binaries, on a free loopback port)
# For each size, on a fresh database: the service migrates it and a client is created; half the rows are seeded
# directly, inside the database (realistic rows: a real token's payload and an audit event each), 200 real tokens are
# issued, the other half is seeded, then it measures
#   - issuance: client_credentials tokens/s and p99 with wrk at 16 connections;
#   - introspection of the 200 mid-table tokens, each read once (cache misses: the database lookup), p50/p99;
#   - bytes per stored token (the database's size / token rows, audit rows included);
#   - pruning against sustained issuance: every seeded row is expired; the pruner (1 s interval) deletes them while hey
#     issues 1,000 tokens/s; rows deleted per second until none is left or PRUNE_SECONDS (60) have passed.
# Prints one table row per size. The seeded rows are expired (for the pruning step); nothing reads them but indexes.
set -euo pipefail
cd "$(dirname "$0")/.."

DB=${DB:-sqlite}
SIZES=${SIZES:-"10000 1000000 10000000"}
DURATION=${DURATION:-10}
PRUNE_SECONDS=${PRUNE_SECONDS:-60}
PORT=${PORT:-5150}
TS="http://127.0.0.1:$PORT"
SU=superuser:bench-superuser-password
HERE=$(pwd)/bench

for tool in wrk hey curl jq python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "installing $tool (Debian package)"
    apt-get update -qq >/dev/null && apt-get install -y -qq "$tool" >/dev/null
  fi
done

dotnet build -c Release -v q -nologo src/TokenService/TokenService.csproj >/dev/null
work=$(mktemp -d)
service=""
pg_stop() { :; }
cleanup() {
  [ -n "$service" ] && kill "$service" 2>/dev/null || true
  pg_stop
  # The service's log outlives the run (it is all there is to read when the service died).
  [ -f "$work/service.log" ] && cp "$work/service.log" "${SCALE_LOG:-/tmp/scale-service.log}"
  rm -rf "$work"
}
trap cleanup EXIT

case "$DB" in
  sqlite) database=("ConnectionStrings__TokenService=Data Source=$work/scale.db") ;;
  postgresql)
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
    if [ -z "$bin" ]; then
      echo "installing postgresql (Debian package)"
      apt-get update -qq >/dev/null && apt-get install -y -qq postgresql >/dev/null
      bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
    fi
    command -v psql >/dev/null || { apt-get update -qq >/dev/null && apt-get install -y -qq postgresql-client >/dev/null; }
    # PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user the package created.
    as=(); [ "$(id -u)" = 0 ] && as=(runuser -u postgres --)
    mkdir -p "$work/pg/sock"; chmod 755 "$work"; [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$work/pg"
    PG_PORT=$(python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
    "${as[@]}" "$bin/initdb" -D "$work/pg/data" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null
    "${as[@]}" "$bin/pg_ctl" -D "$work/pg/data" -w -l "$work/pg/server.log" \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $work/pg/sock -c shared_buffers=256MB -c max_wal_size=4GB" start >/dev/null
    pg_stop() { "${as[@]}" "$bin/pg_ctl" -D "$work/pg/data" -m fast -w stop >/dev/null 2>&1 || true; }
    database=(Database__Provider=PostgreSql Database__AutoMigrate=true
      "ConnectionStrings__TokenService=Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=scale")
    ;;
  *) echo "DB must be sqlite or postgresql"; exit 2 ;;
esac

psql_() { PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "${PGDB:-scale}" -v ON_ERROR_STOP=1 -qtA "$@"; }

start() { # pruning on|off
  env ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="$TS" Superuser__Password=bench-superuser-password \
    "${database[@]}" Transport__AllowHttp=true \
    Logging__LogLevel__Default=Warning \
    RateLimits__AddressPerSecond=10000000 BruteForce__MaxFailuresPerAddress=1000000 \
    Pruning__Enabled="$1" Pruning__Interval=00:00:01 Pruning__MinimumAge=00:01:00 Pruning__BatchSize=10000 \
    dotnet src/TokenService/bin/Release/net10.0/TokenService.dll >>"$work/service.log" 2>&1 &
  service=$!
  for _ in $(seq 1 120); do curl -s -o /dev/null -f "$TS/health/ready" && return; sleep 0.5; done
  echo "the service did not become ready"; tail -20 "$work/service.log"; exit 1
}
stop() {
  if ! kill "$service" 2>/dev/null; then
    echo "the service had exited before it was stopped; its log ends:"; tail -30 "$work/service.log"; exit 1
  fi
  wait "$service" 2>/dev/null || true; service=""
}

reset() { # a fresh, empty database
  if [ "$DB" = sqlite ]; then rm -f "$work"/scale.db*; else PGDB=postgres psql_ -c "DROP DATABASE IF EXISTS scale WITH (FORCE)"; fi
}

# Rows like the service writes — a token (a real one's payload) and its audit event — ten milliseconds apart, nine days
# back, so each expired two days ago; generated inside the database, 100,000 per transaction.
seed() { # count
  local done=0 n
  while [ "$done" -lt "$1" ]; do
    n=$(( $1 - done < 100000 ? $1 - done : 100000 ))
    if [ "$DB" = sqlite ]; then
      python3 "$HERE/scale-seed-sqlite.py" "$work/scale.db" "$done" "$n"
    else
      psql_ -v first="$done" -v count="$n" -f "$HERE/scale-seed-postgresql.sql"
    fi
    done=$((done + n))
  done
  if [ "$DB" = sqlite ]; then
    python3 -c "import sqlite3; sqlite3.connect('$work/scale.db').execute('PRAGMA wal_checkpoint(TRUNCATE)')"
  else
    psql_ -c "VACUUM ANALYZE"
  fi
}

sql() { # one value, from either database
  if [ "$DB" = sqlite ]; then
    python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$work/scale.db?mode=ro', uri=True).execute(sys.argv[1]).fetchone()[0])" "$1"
  else
    psql_ -c "$1"
  fi
}
if [ "$DB" = sqlite ]; then
  TOKENS="SELECT COUNT(*) FROM OpenIddictTokens"
  EXPIRED="SELECT COUNT(*) FROM OpenIddictTokens WHERE ExpirationDate < datetime('now', '-1 hour')"
else
  TOKENS='SELECT COUNT(*) FROM "OpenIddictTokens"'
  EXPIRED="SELECT COUNT(*) FROM \"OpenIddictTokens\" WHERE \"ExpirationDate\" < now() - interval '1 hour'"
fi
database_bytes() {
  if [ "$DB" = sqlite ]; then
    python3 -c "import sqlite3; sqlite3.connect('$work/scale.db').execute('PRAGMA wal_checkpoint(TRUNCATE)')"
    stat -c %s "$work/scale.db"
  else
    psql_ -c "CHECKPOINT" >/dev/null
    psql_ -c "SELECT pg_database_size('scale')"
  fi
}

echo "database: $DB"
printf '| stored tokens | issuance tokens/s | issuance p99 | introspection of a mid-table token p50 / p99 (cache miss) | bytes per stored token | pruning rows/s (with 1,000 tokens/s issued) | pruning ÷ issuance |\n|---|---|---|---|---|---|---|\n'
for size in $SIZES; do
  reset
  start false
  ORG=$(curl -fsS -u "$SU" -H 'Content-Type: application/json' -d '{"organization":"scale"}' "$TS/management/orgs")
  ORG_ID=$(jq -r .client_id <<<"$ORG"); ORG_SECRET=$(jq -r .client_secret <<<"$ORG")
  APP=$(curl -fsS -u "$ORG_ID:$ORG_SECRET" -H 'Content-Type: application/json' -d '{"name":"shop"}' "$TS/management/orgs/scale/apps")
  APP_ID=$(jq -r .client_id <<<"$APP"); APP_SECRET=$(jq -r .client_secret <<<"$APP")
  RS=$(curl -fsS -u "$ORG_ID:$ORG_SECRET" -H 'Content-Type: application/json' -d '{"name":"api"}' "$TS/management/orgs/scale/resource-servers")
  RS_ID=$(jq -r .client_id <<<"$RS"); RS_SECRET=$(jq -r .client_secret <<<"$RS")
  curl -fsS -u "$APP_ID:$APP_SECRET" -d grant_type=client_credentials "$TS/token" >/dev/null
  stop

  seed $((size / 2))
  start false
  : >"$work/mid.txt"
  for _ in $(seq 1 200); do
    curl -fsS -u "$APP_ID:$APP_SECRET" -d grant_type=client_credentials "$TS/token" | jq -r .access_token >>"$work/mid.txt"
  done
  stop
  seed $((size - size / 2))
  [ -n "${SCALE_MEASURING_FLAG:-}" ] && touch "$SCALE_MEASURING_FLAG"
  start false

  # Issuance, after a warm-up. From here to the end of the pruning step the machine should be quiet: the flag file
  # says so to anyone sharing it (SCALE_MEASURING_FLAG).
  [ -n "${SCALE_MEASURING_FLAG:-}" ] && touch "$SCALE_MEASURING_FLAG"
  cat >"$work/token.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic $(printf '%s:%s' "$APP_ID" "$APP_SECRET" | base64 -w0)"
wrk.body = 'grant_type=client_credentials'
LUA
  wrk -t2 -c16 -d5s -s "$work/token.lua" "$TS/token" >/dev/null
  out=$(wrk -t2 -c16 -d"${DURATION}s" --latency -s "$work/token.lua" "$TS/token")
  rate=$(awk '/Requests\/sec/ {printf "%d", $2}' <<<"$out"); p99=$(awk '/ 99%/ {print $2}' <<<"$out")

  # Each mid-table token read once: a cache miss, so the database lookup is what is timed.
  while read -r token; do
    curl -s -o /dev/null -w '%{time_total}\n' -u "$RS_ID:$RS_SECRET" -d "token=$token" "$TS/introspect"
  done <"$work/mid.txt" | sort -n >"$work/times.txt"
  p50i=$(awk '{a[NR]=$1} END {printf "%.1f", a[int(NR*0.5)]*1000}' "$work/times.txt")
  p99i=$(awk '{a[NR]=$1} END {printf "%.1f", a[int(NR*0.99)]*1000}' "$work/times.txt")
  stop

  rows=$(sql "$TOKENS")
  bytes=$(( $(database_bytes) / rows ))

  # Pruning against sustained issuance.
  eligible=$(sql "$EXPIRED")
  start true
  hey -z 600s -c 4 -q 250 -m POST -T application/x-www-form-urlencoded -d grant_type=client_credentials \
    -a "$APP_ID:$APP_SECRET" "$TS/token" >"$work/hey.txt" 2>&1 &
  issuer=$!
  began=$(date +%s.%N)
  left=$eligible
  while [ "$left" -gt 0 ] && python3 -c "import sys, time; sys.exit(0 if time.time() - $began < $PRUNE_SECONDS else 1)"; do
    sleep 0.5
    left=$(sql "$EXPIRED")
  done
  took=$(python3 -c "import time; print(max(time.time() - $began, 0.5))")
  kill -INT "$issuer"; wait "$issuer" 2>/dev/null || true
  issued=$(awk '/Requests\/sec/ {printf "%d", $2}' "$work/hey.txt")
  stop
  [ -n "${SCALE_MEASURING_FLAG:-}" ] && rm -f "$SCALE_MEASURING_FLAG"
  prune=$(python3 -c "print(int(($eligible - $left) / $took))")
  printf '| %s | %s | %s | %s / %s ms | %s | %s | %s× |\n' "$size" "$rate" "$p99" "$p50i" "$p99i" "$bytes" "$prune" \
    "$(python3 -c "print(round($prune / max($issued, 1), 1))")"
done
