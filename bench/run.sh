#!/usr/bin/env bash
# bench/run.sh — the in-repo load benchmark. One command, on loopback only, bounded in time:
#   bash bench/run.sh                 (WARMUP=15 DURATION=10 by default; both in seconds; RATE_LIMITS=false to compare;
#                                      SCENARIOS='^(1|2) ' runs only the scenarios whose names match)
# Builds Release, starts TokenService on a fresh SQLite database and the stock-OpenIddict baseline (bench/Baseline)
# beside it, seeds an org, an app and a resource-server credential, then runs each scenario with wrk at 2 and 16
# connections after a warm-up (the JIT runs a third as fast for the first ~15 s). Plain HTTP on loopback is allowed and
# the address budget is raised out of reach for the anonymous trivial endpoint (wrk is one address); every other limit
# keeps its default and never refuses these authenticated callers. Prints req/s, p50, p99, errors,
# the server's CPU seconds per scenario and its peak memory, with ratios to the baseline and to the trivial endpoint.
set -euo pipefail
cd "$(dirname "$0")/.."

WARMUP=${WARMUP:-15}
DURATION=${DURATION:-10}
PORT=${PORT:-5100}
BASELINE_PORT=${BASELINE_PORT:-5200}
TS="http://127.0.0.1:$PORT"
BL="http://127.0.0.1:$BASELINE_PORT"

for tool in wrk curl jq; do
  if ! command -v "$tool" >/dev/null; then
    echo "installing $tool (Debian package)"
    apt-get update -qq >/dev/null && apt-get install -y -qq "$tool" >/dev/null
  fi
done

dotnet build -c Release -v q -nologo src/TokenService/TokenService.csproj >/dev/null
dotnet build -c Release -v q -nologo bench/Baseline/Baseline.csproj >/dev/null

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# Rate limits stay at their defaults for every authenticated scenario (one client or resource server flat out from
# one address is never throttled); only the address budget is lifted, for the anonymous trivial endpoint.
ASPNETCORE_ENVIRONMENT=Production ASPNETCORE_URLS="$TS" Superuser__Password=bench-superuser-password \
  ConnectionStrings__TokenService="Data Source=$work/tokenservice.db" Bench__Enabled=true Pruning__Enabled=false \
  Logging__LogLevel__Default=Warning Transport__AllowHttp=true \
  RateLimits__Enabled="${RATE_LIMITS:-true}" RateLimits__AddressPerSecond=10000000 BruteForce__MaxFailuresPerAddress=1000000 \
  dotnet src/TokenService/bin/Release/net10.0/TokenService.dll >"$work/service.log" 2>&1 &
service=$!; pids+=("$service")
ASPNETCORE_URLS="$BL" Database="$work/baseline.db" Logging__LogLevel__Default=Warning \
  dotnet bench/Baseline/bin/Release/net10.0/Baseline.dll >"$work/baseline.log" 2>&1 &
baseline=$!; pids+=("$baseline")

for url in "$TS/health/ready" "$BL/connect/token"; do
  for _ in $(seq 1 60); do curl -s -o /dev/null "$url" && break; sleep 0.5; done
done

# Seed: an org (with its sandbox app), an app and a resource-server credential.
SU=superuser:bench-superuser-password
ORG=$(curl -fsS -u "$SU" -H 'Content-Type: application/json' -d '{"organization":"loadtest"}' "$TS/management/orgs")
ORG_ID=$(jq -r .client_id <<<"$ORG"); ORG_SECRET=$(jq -r .client_secret <<<"$ORG")
APP=$(curl -fsS -u "$ORG_ID:$ORG_SECRET" -H 'Content-Type: application/json' -d '{"name":"shop"}' "$TS/management/orgs/loadtest/apps")
APP_ID=$(jq -r .client_id <<<"$APP"); APP_SECRET=$(jq -r .client_secret <<<"$APP")
RS=$(curl -fsS -u "$ORG_ID:$ORG_SECRET" -H 'Content-Type: application/json' -d '{"name":"api"}' "$TS/management/orgs/loadtest/resource-servers")
RS_ID=$(jq -r .client_id <<<"$RS"); RS_SECRET=$(jq -r .client_secret <<<"$RS")
TOKEN=$(curl -fsS -u "$APP_ID:$APP_SECRET" -d grant_type=client_credentials "$TS/token" | jq -r .access_token)
BL_BASIC=$(printf 'console:388D45FA-B36B-4988-BA59-B187D329C207' | base64 -w0)
BL_TOKEN=$(curl -fsS -H "Authorization: Basic $BL_BASIC" -d grant_type=client_credentials "$BL/connect/token" | jq -r .access_token)
APP_BASIC=$(printf '%s:%s' "$APP_ID" "$APP_SECRET" | base64 -w0)
RS_BASIC=$(printf '%s:%s' "$RS_ID" "$RS_SECRET" | base64 -w0)

# wrk request scripts: form or JSON POSTs with HTTP Basic.
post() { # file, content type, authorization, body
  cat >"$work/$1" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "$2"
wrk.headers["Authorization"] = "$3"
wrk.body = '$4'
LUA
}
post token.lua application/x-www-form-urlencoded "Basic $APP_BASIC" "grant_type=client_credentials"
post introspect.lua application/x-www-form-urlencoded "Basic $RS_BASIC" "token=$TOKEN"
post garbage.lua application/x-www-form-urlencoded "Basic $RS_BASIC" "token=garbage-token-that-is-not-one-of-ours"
post access.lua application/json "Basic $RS_BASIC" "{\"org\":\"loadtest\",\"app\":\"shop\",\"client_id\":\"$APP_ID\",\"client_secret\":\"$APP_SECRET\"}"
post bl-token.lua application/x-www-form-urlencoded "Basic $BL_BASIC" "grant_type=client_credentials"
post bl-introspect.lua application/x-www-form-urlencoded "Basic $BL_BASIC" "token=$BL_TOKEN"
echo 'wrk.method = "GET"' >"$work/noop.lua"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); v/=1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v) } else if (v ~ /s$/) { sub(/s$/,"",v); v*=1000 } printf "%.2f", v }'; }
ticks_per_second=$(getconf CLK_TCK)

results="$work/results.tsv"
: >"$results"
scenario() { # name, pid, url, script
  local name=$1 pid=$2 url=$3 script=$4
  [[ "$name" =~ ${SCENARIOS:-.} ]] || return 0
  wrk -t2 -c16 -d"${WARMUP}s" -s "$work/$script" "$url" >/dev/null
  for conns in 2 16; do
    local before after out
    before=$(cpu_ticks "$pid")
    out=$(wrk -t2 -c"$conns" -d"${DURATION}s" --latency -s "$work/$script" "$url")
    after=$(cpu_ticks "$pid")
    local rps p50 p99 non2xx socket cpu
    rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
    p50=$(awk '$1 == "50%" {print $2}' <<<"$out" | to_ms)
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out" | to_ms)
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$out"); non2xx=${non2xx:-0}
    socket=$(awk -F'[ ,]+' '/Socket errors:/ {print $4 + $6 + $8 + $10}' <<<"$out"); socket=${socket:-0}
    cpu=$(awk -v a="$after" -v b="$before" -v t="$ticks_per_second" 'BEGIN { printf "%.1f", (a - b) / t }')
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$conns" "$rps" "$p50" "$p99" "$((non2xx + socket))" "$cpu" >>"$results"
    printf '  %-22s c=%-3s %10s req/s  p50 %7s ms  p99 %7s ms  errors %s  cpu %ss\n' "$name" "$conns" "$rps" "$p50" "$p99" "$((non2xx + socket))" "$cpu"
  done
}

echo "TokenService bench: $(nproc) cores, warm-up ${WARMUP}s, ${DURATION}s per run, $(date -u +%Y-%m-%d)"
scenario "1 token (client cred.)" "$service" "$TS/token" token.lua
scenario "2 introspect active" "$service" "$TS/introspect" introspect.lua
scenario "3 introspect garbage" "$service" "$TS/introspect" garbage.lua
scenario "4 access check (id+secret)" "$service" "$TS/access/check" access.lua
scenario "5 trivial endpoint" "$service" "$TS/bench/noop" noop.lua
scenario "6a baseline token" "$baseline" "$BL/connect/token" bl-token.lua
scenario "6b baseline introspect" "$baseline" "$BL/connect/introspect" bl-introspect.lua
peak_mb=$(awk '/VmHWM/ {printf "%.0f", $2 / 1024}' "/proc/$service/status")

echo
echo "| scenario | conns | req/s | p50 ms | p99 ms | errors | server CPU s | × baseline | % of trivial |"
echo "|---|---|---|---|---|---|---|---|---|"
awk -F'\t' '
  { name[NR]=$1; conns[NR]=$2; rps[NR]=$3; line[NR]=$0; key=$1 "|" $2; r[key]=$3 }
  END {
    for (i = 1; i <= NR; i++) {
      split(line[i], f, "\t")
      trivial = r["5 trivial endpoint|" f[2]]
      base = ""
      if (f[1] ~ /^1 /) base = r["6a baseline token|" f[2]]
      if (f[1] ~ /^[23] /) base = r["6b baseline introspect|" f[2]]
      xb = (base != "" && base > 0) ? sprintf("%.1f×", f[3] / base) : "–"
      pt = (trivial > 0) ? sprintf("%.0f%%", 100 * f[3] / trivial) : "–"
      printf "| %s | %s | %.0f | %s | %s | %s | %s | %s | %s |\n", f[1], f[2], f[3], f[4], f[5], f[6], f[7], xb, pt
    }
  }' "$results"
echo
echo "TokenService peak memory (VmHWM): ${peak_mb} MB"
