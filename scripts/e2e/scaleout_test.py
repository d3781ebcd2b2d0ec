#!/usr/bin/env python3
"""Scale-out test: two API processes and two workers on one PostgreSQL.

Sends the events of many pipeline runs (successes and TERMINAL failures, all SYNTHETIC from the real
k8s execution fixture) to both API replicas, some of them to both (the same event twice), kills one
worker with SIGKILL while jobs are running, and checks:
- every event is stored once (no duplicate rows for an eventId, none missing);
- every job ends done exactly once (none queued, leased or dead at the end);
- every failed run opened exactly one incident, and got exactly one automatic RCA report.

Usage: scaleout_test.py --binary .build/debug/lookout --database-url postgres://… [--runs 40]
"""
import argparse
import http.server
import copy
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import echo_events  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, process, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a lookout process exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"lookout on {port} not ready")


def psql(url, sql):
    # psql takes the same URL; rows come back tab-separated.
    out = subprocess.run(["psql", url.replace("?sslmode=require", "?sslmode=require"), "-At", "-F", "\t", "-c", sql],
                         capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.strip().splitlines() if line]


class SlowGate(http.server.BaseHTTPRequestHandler):
    """A Gate that answers server-group queries slowly, so RCA jobs hold their lease for a while."""
    def do_GET(self):
        if "/serverGroups" in self.path:
            time.sleep(2.5)
        body = b'[{"name":"k8s-prod","type":"kubernetes","cloudProvider":"kubernetes"}]' if self.path.startswith("/credentials") else b"[]"
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the killed worker's connection

    def log_message(self, *args):
        pass


def run_events(run_id, failed):
    """The events of one run: starting, a stage event, then complete or failed."""
    base = echo_events.succeeded_execution()
    events = []
    for index, (event_type, status) in enumerate([("orca:pipeline:starting", "RUNNING"), ("orca:stage:complete", "RUNNING"),
                                                  ("orca:pipeline:failed" if failed else "orca:pipeline:complete",
                                                   "TERMINAL" if failed else "SUCCEEDED")]):
        execution = copy.deepcopy(base)
        execution["id"] = run_id
        execution["application"] = "payments-api"
        execution["pipelineConfigId"] = "cfg-scaleout"
        execution["status"] = status
        execution["initialConfig"] = {}
        for i, stage in enumerate(execution["stages"]):
            if index == 0:
                stage["status"] = "NOT_STARTED"
            elif index == 1:
                stage["status"] = "SUCCEEDED" if i == 0 else ("RUNNING" if i == 1 else "NOT_STARTED")
            elif failed and i == 2:
                stage["status"] = "TERMINAL"
                stage["context"]["exception"] = {"exceptionType": "TimeoutException", "details": {"errors": ["Deployment did not stabilize"]}}
            elif failed and i > 2:
                stage["status"] = "NOT_STARTED"
        stage = execution["stages"][0] if index == 1 else None
        events.append(echo_events.envelope(event_type, execution, stage=stage, event_id=f"{run_id}-{index}"))
    return events


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    workdir = tempfile.mkdtemp(prefix="lookout-scaleout-")
    env = dict(os.environ, LOOKOUT_DATABASE_URL=args.database_url, LOOKOUT_DATA_DIR=os.path.join(workdir, "data"),
               LOOKOUT_MASTER_KEY="MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=", LOOKOUT_JOB_LEASE_SECONDS="3",
               LOOKOUT_ADMIN_EMAIL="admin@scaleout.test", LOOKOUT_ADMIN_PASSWORD="scaleout-password", LOOKOUT_LOG_LEVEL="warning")
    subprocess.run([binary, "migrate"], env=env, check=True, capture_output=True)

    processes = {}
    def start(name, role):
        port = free_port()
        log = open(os.path.join(workdir, f"{name}.log"), "w")
        process = subprocess.Popen([binary, "serve", "--role", role, "--port", str(port)], env=env, stdout=log, stderr=log)
        processes[name] = (process, port)
        return port

    api_ports = [start("api-1", "api"), start("api-2", "api")]
    for name in ("api-1", "api-2"):
        wait_ready(processes[name][1], processes[name][0])
    token = subprocess.run([binary, "token", "create", "--email", "admin@scaleout.test"], env=env, capture_output=True,
                           text=True, check=True).stdout.strip()
    request = urllib.request.Request(f"http://127.0.0.1:{api_ports[0]}/api/v1/connectors/spinnaker", headers={"Authorization": f"Bearer {token}"})
    webhook = json.load(urllib.request.urlopen(request))["webhook"]["url"]
    path = webhook[webhook.index("/spinnaker/"):]

    gate = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowGate)
    threading.Thread(target=gate.serve_forever, daemon=True).start()
    connect = urllib.request.Request(f"http://127.0.0.1:{api_ports[0]}/api/v1/connectors/spinnaker", method="POST",
                                     data=json.dumps({"gateUrl": f"http://127.0.0.1:{gate.server_port}", "authMethod": "basic", "token": "t"}).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert urllib.request.urlopen(connect).status == 200

    runs = [(f"01SCALE{uuid.uuid4().hex[:12].upper()}", i % 3 == 0) for i in range(args.runs)]
    failed_runs = {run_id for run_id, failed in runs if failed}
    sent_ids = set()
    duplicates_sent = 0
    lock = threading.Lock()

    def post(port, event):
        body = json.dumps(event).encode()
        req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(req, timeout=30) as response:
            assert response.status == 202, response.status

    def sender(chunk):
        nonlocal duplicates_sent
        for run_id, failed in chunk:
            for event in run_events(run_id, failed):
                port = random.choice(api_ports)
                post(port, event)
                with lock:
                    sent_ids.add(event["eventId"])
                if random.random() < 0.3:  # the same event again, to the other replica
                    post(api_ports[1] if port == api_ports[0] else api_ports[0], event)
                    with lock:
                        duplicates_sent += 1

    # Workers start while events arrive; one of them is killed mid-way.
    start("worker-1", "worker")
    start("worker-2", "worker")
    threads = [threading.Thread(target=sender, args=(runs[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    # Kill worker-1 while it holds a job's lease (an RCA waiting on the slow Gate).
    victim = processes["worker-1"][0]
    deadline = time.time() + 60
    held = []
    while time.time() < deadline and not held:
        held = psql(args.database_url, f"SELECT id, kind FROM jobs WHERE state = 'leased' AND lease_owner LIKE '%:{victim.pid}:%'")
        if not held:
            time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    print(f"killed worker-1 with SIGKILL while it held {len(held)} job(s): {held}")
    if not held:
        print("FAILED: worker-1 never held a job to lose")
        return 1
    for t in threads:
        t.join()

    # Wait for the surviving worker to finish everything (including leases of the dead one).
    deadline = time.time() + 120
    while time.time() < deadline:
        pending = psql(args.database_url, "SELECT COUNT(*) FROM jobs WHERE state <> 'done'")[0][0]
        if pending == "0":
            break
        time.sleep(0.5)

    failures = []
    events = psql(args.database_url, "SELECT event_id, COUNT(*) FROM execution_events GROUP BY event_id")
    stored = {row[0]: int(row[1]) for row in events}
    if set(stored) != sent_ids:
        failures.append(f"events: sent {len(sent_ids)}, stored {len(stored)}; missing {sorted(sent_ids - set(stored))[:5]}")
    if any(count != 1 for count in stored.values()):
        failures.append("an event is stored more than once")
    states = dict((row[0], int(row[1])) for row in psql(args.database_url, "SELECT state, COUNT(*) FROM jobs GROUP BY state"))
    if set(states) != {"done"}:
        failures.append(f"jobs not all done: {states}")
    incidents = psql(args.database_url, "SELECT execution_id, COUNT(*) FROM incidents GROUP BY execution_id")
    incident_counts = {row[0]: int(row[1]) for row in incidents}
    if set(incident_counts) != failed_runs or any(c != 1 for c in incident_counts.values()):
        failures.append(f"incidents: expected one for each of {len(failed_runs)} failed runs, got {incident_counts}")
    reports = psql(args.database_url, "SELECT incident_id, COUNT(*) FROM rca_reports GROUP BY incident_id")
    report_counts = [int(row[1]) for row in reports]
    if len(report_counts) != len(failed_runs) or any(c != 1 for c in report_counts):
        failures.append(f"RCA reports: expected exactly one per incident ({len(failed_runs)}), got {report_counts}")
    attempts = psql(args.database_url, "SELECT COUNT(*) FROM jobs WHERE attempts > 1")[0][0]

    for name, (process, _) in processes.items():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    print(f"scale-out: {len(runs)} runs, {len(sent_ids)} events (+{duplicates_sent} sent twice to both replicas), "
          f"{sum(stored.values())} stored; jobs {states}, {attempts} retried after the killed worker's lease ran out; "
          f"{len(incident_counts)} incidents for {len(failed_runs)} failed runs; {sum(report_counts)} RCA reports")
    if int(attempts) < 1:
        failures.append("no job was taken over after the killed worker's lease ran out")
    gate.shutdown()
    if failures:
        for failure in failures:
            print("FAILED:", failure)
        return 1
    print("scale-out checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
