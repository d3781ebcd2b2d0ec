#!/usr/bin/env bash
# `lookout demo` fills a fresh Lookout: deployments of five applications, their incidents, an alert
# incident with a suspect deployment, and an RCA report. Usage: demo_test.sh BINARY
set -uo pipefail
bin=$1
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
dir=$(mktemp -d)
"$bin" demo --port "$port" --data-dir "$dir/data" >"$dir/log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 600); do grep -q "Lookout demo is running" "$dir/log" && break; sleep 0.1; done
token=$(grep -o 'API token: [^ ]*' "$dir/log" | cut -d' ' -f3)
[ -n "$token" ] || { echo "demo did not start:"; cat "$dir/log"; exit 1; }
sleep 3
python3 - "$port" "$token" <<'PY'
import json, sys, urllib.request
port, token = sys.argv[1], sys.argv[2]
def get(path):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    return json.load(urllib.request.urlopen(request))
deployments = get("/api/v1/deployments")["deployments"]
incidents = get("/api/v1/incidents")["incidents"]
apps = {d["application"] for d in deployments}
alert = next((i for i in incidents if i["source"] == "alert"), None)
suspects = get(f"/api/v1/incidents/{alert['id']}")["suspects"] if alert else []
failed = next((i for i in incidents if i["source"] == "pipeline" and i["severity"] == "critical"), None)
rca = get(f"/api/v1/incidents/{failed['id']}/rca") if failed else {}
print(f"demo: {len(deployments)} deployments of {len(apps)} applications, {len(incidents)} incidents, "
      f"alert suspects {[s['application'] for s in suspects]}, RCA: {rca.get('report', {}).get('probableCause', {}).get('text', 'none')[:80]}")
ok = len(apps) == 5 and len(incidents) >= 4 and suspects and suspects[0]["application"] == "payments-api" and "report" in rca
sys.exit(0 if ok else 1)
PY
