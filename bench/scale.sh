#!/usr/bin/env bash
# bench/scale.sh — the scale curve: how the service behaves with many stored tokens. On loopback only, bounded in time.
#   bash bench/scale.sh                  (SIZES="10000 1000000 10000000" by default; DURATION=10 seconds per rate)
# For each size, on a fresh SQLite database: the service migrates it and a client is created; half the rows are seeded
# directly (realistic rows: a real token's payload and an audit event each), 200 real tokens are issued, the other half
# is seeded, then it measures
#   - issuance: client_credentials tokens/s and p99 with wrk at 16 connections;
#   - introspection of the 200 mid-table tokens, each read once (cache misses: the database lookup), p50/p99;
#   - bytes per stored token (database pages / token rows, audit rows included);
#   - pruning against sustained issuance: every seeded row is expired; the pruner (1 s interval) deletes them while hey
#     issues 1,000 tokens/s; rows deleted per second until none is left or PRUNE_SECONDS (60) have passed.
# Prints one table row per size. The seeded rows are expired (for the pruning step); nothing reads them but indexes.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10000 1000000 10000000"}
DURATION=${DURATION:-10}
PRUNE_SECONDS=${PRUNE_SECONDS:-60}
PORT=${PORT:-5150}
TS="http://127.0.0.1:$PORT"
SU=superuser:bench-superuser-password

for tool in wrk hey curl jq python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "installing $tool (Debian package)"
    apt-get update -qq >/dev/null && apt-get install -y -qq "$tool" >/dev/null
  fi
done

dotnet build -c Release -v q -nologo src/TokenService/TokenService.csproj >/dev/null
work=$(mktemp -d)
service=""
cleanup() { [ -n "$service" ] && kill "$service" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

start() { # pruning on|off
  ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="$TS" Superuser__Password=bench-superuser-password \
    ConnectionStrings__TokenService="Data Source=$work/scale.db" Transport__AllowHttp=true \
    Logging__LogLevel__Default=Warning \
    RateLimits__AddressPerSecond=10000000 BruteForce__MaxFailuresPerAddress=1000000 \
    Pruning__Enabled="$1" Pruning__Interval=00:00:01 Pruning__MinimumAge=00:01:00 Pruning__BatchSize=10000 \
    dotnet src/TokenService/bin/Release/net10.0/TokenService.dll >>"$work/service.log" 2>&1 &
  service=$!
  for _ in $(seq 1 120); do curl -s -o /dev/null -f "$TS/health/ready" && return; sleep 0.5; done
  echo "the service did not become ready"; tail -20 "$work/service.log"; exit 1
}
stop() { kill "$service"; wait "$service" 2>/dev/null || true; service=""; }

seed() { # count — rows like the service writes: a token (a real one's payload) and its audit event, expired 2 days ago
  python3 - "$work/scale.db" "$1" <<'PY'
import base64, hashlib, os, sqlite3, sys, time, uuid
db, count = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
c.execute("PRAGMA journal_mode=WAL")
app_id, subject, payload, org = c.execute(
    "SELECT t.ApplicationId, t.Subject, t.Payload, a.OrganizationId FROM OpenIddictTokens t "
    "JOIN AuditEvents a ON a.Target = 'token:' || t.Id LIMIT 1").fetchone()
now = int(time.time() * 1000)
def rows(start, n):
    for i in range(start, start + n):
        created = now - 9 * 86400_000 + i * 10  # ten milliseconds apart, in the past
        rid = f"{created:012x}-{os.urandom(10).hex()}"
        rid = f"{rid[:8]}-{rid[8:12]}-7{rid[14:17]}-{rid[17:21]}-{rid[21:33]}"
        digest = base64.b64encode(hashlib.sha256(os.urandom(32)).digest()).decode()
        c_at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(created / 1000))
        e_at = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(created / 1000 + 7 * 86400))
        yield (rid, app_id, None, str(uuid.uuid4()), c_at, e_at, payload, None, None, digest, "valid", subject,
               "urn:ietf:params:oauth:token-type:access_token"), \
              (created, org, "token_issued", "client:" + subject, "token:" + rid,
               f"access_token for {subject}, expires {e_at}", "127.0.0.1")
done = 0
while done < count:
    n = min(100_000, count - done)
    batch = list(rows(done, n))
    with c:
        c.executemany("INSERT INTO OpenIddictTokens (Id, ApplicationId, AuthorizationId, ConcurrencyToken, CreationDate, "
                      "ExpirationDate, Payload, Properties, RedemptionDate, ReferenceId, Status, Subject, Type) "
                      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", [t for t, _ in batch])
        c.executemany("INSERT INTO AuditEvents (At, OrganizationId, Kind, Actor, Target, Detail, Address) VALUES (?,?,?,?,?,?,?)",
                      [a for _, a in batch])
    done += n
c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
PY
}

sql() { python3 -c "import sqlite3,sys; print(sqlite3.connect('file:$work/scale.db?mode=ro', uri=True).execute(sys.argv[1]).fetchone()[0])" "$1"; }

printf '| stored tokens | issuance tokens/s | issuance p99 | introspection of a mid-table token p50 / p99 (cache miss) | bytes per stored token | pruning rows/s (with 1,000 tokens/s issued) | pruning ÷ issuance |\n|---|---|---|---|---|---|---|\n'
for size in $SIZES; do
  rm -f "$work"/scale.db*
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
  start false

  # Issuance, after a warm-up.
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

  rows=$(sql "SELECT COUNT(*) FROM OpenIddictTokens")
  python3 -c "import sqlite3; sqlite3.connect('$work/scale.db').execute('PRAGMA wal_checkpoint(TRUNCATE)')"
  bytes=$(( $(stat -c %s "$work/scale.db") / rows ))

  # Pruning against sustained issuance.
  eligible=$(sql "SELECT COUNT(*) FROM OpenIddictTokens WHERE ExpirationDate < datetime('now', '-1 hour')")
  start true
  hey -z 600s -c 4 -q 250 -m POST -T application/x-www-form-urlencoded -d grant_type=client_credentials \
    -a "$APP_ID:$APP_SECRET" "$TS/token" >"$work/hey.txt" 2>&1 &
  issuer=$!
  began=$(date +%s.%N)
  left=$eligible
  while [ "$left" -gt 0 ] && python3 -c "import sys, time; sys.exit(0 if time.time() - $began < $PRUNE_SECONDS else 1)"; do
    sleep 0.5
    left=$(sql "SELECT COUNT(*) FROM OpenIddictTokens WHERE ExpirationDate < datetime('now', '-1 hour')")
  done
  took=$(python3 -c "import time; print(max(time.time() - $began, 0.5))")
  kill -INT "$issuer"; wait "$issuer" 2>/dev/null || true
  issued=$(awk '/Requests\/sec/ {printf "%d", $2}' "$work/hey.txt")
  stop
  prune=$(python3 -c "print(int(($eligible - $left) / $took))")
  printf '| %s | %s | %s | %s / %s ms | %s | %s | %s× |\n' "$size" "$rate" "$p99" "$p50i" "$p99i" "$bytes" "$prune" \
    "$(python3 -c "print(round($prune / max($issued, 1), 1))")"
done
