#!/usr/bin/env python3
"""Ingest benchmark: Echo events per second, acknowledgement latency and peak memory.

For each payload (a ~85 KB stage event and a ~5 KB pipeline event, both SYNTHETIC from the real k8s
execution fixture, every request with a fresh eventId and execution id), runs the same wrk command
against Lookout's webhook and against nginx answering 202 on the same machine in the same run, and
prints both with their ratio. Lookout's peak resident memory (VmHWM) is read from /proc.

Usage: ingest_bench.py [--binary .build/release/lookout] [--duration 10] [--connections 32]
Needs wrk and nginx (apt-get install wrk nginx). Sends traffic to 127.0.0.1 only.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
import json

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import echo_events  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer in {timeout} s")


def to_ms(text):
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def run_wrk(url, body_file, duration, connections, threads):
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--latency",
                          "-s", os.path.join(HERE, "wrk_post.lua"), url, "--", body_file, f"r{time.time_ns()}"],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = to_ms(re.search(r"\s50%\s+(\S+)", out).group(1))
    p99 = to_ms(re.search(r"\s99%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "p50": p50, "p99": p99, "requests": requests,
            "non2xx": int(errors.group(1)) if errors else 0, "socket_errors": socket_errors.group(1) if socket_errors else ""}


def peak_rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def start_nginx(workdir, port):
    conf = os.path.join(workdir, "nginx.conf")
    os.makedirs(os.path.join(workdir, "tmp"), exist_ok=True)
    with open(conf, "w") as f:
        f.write(f"""
worker_processes auto;
daemon off;
pid {workdir}/nginx.pid;
error_log {workdir}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  client_body_temp_path {workdir}/tmp; proxy_temp_path {workdir}/tmp; fastcgi_temp_path {workdir}/tmp;
  uwsgi_temp_path {workdir}/tmp; scgi_temp_path {workdir}/tmp;
  server {{
    listen 127.0.0.1:{port};
    client_max_body_size 64m;
    location / {{ default_type application/json; return 202 '{{"received":true}}'; }}
  }}
}}
""")
    process = subprocess.Popen(["nginx", "-p", workdir, "-c", conf, "-e", os.path.join(workdir, "nginx-error.log")])
    wait_http(f"http://127.0.0.1:{port}/")
    return process


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/lookout")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--database-url", default=None, help="postgres://… to benchmark on PostgreSQL")
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed (apt-get install -y {tool})")

    workdir = tempfile.mkdtemp(prefix="lookout-bench-")
    bodies = {
        "stage event": echo_events.large_stage_event("@@ID@@", "@@ID@@"),
        "pipeline event": echo_events.small_pipeline_event("@@ID@@", "@@ID@@"),
    }
    files = {}
    for name, body in bodies.items():
        path = os.path.join(workdir, name.replace(" ", "-") + ".json")
        with open(path, "w") as f:
            f.write(body)
        files[name] = path

    port, nginx_port = free_port(), free_port()
    env = dict(os.environ, LOOKOUT_DATA_DIR=os.path.join(workdir, "data"), LOOKOUT_PORT=str(port),
               LOOKOUT_ADMIN_EMAIL="admin@bench.test", LOOKOUT_ADMIN_PASSWORD="bench-password", LOOKOUT_LOG_LEVEL="error")
    if args.database_url:
        env["LOOKOUT_DATABASE_URL"] = args.database_url
    log = open(os.path.join(workdir, "lookout.log"), "w")
    lookout = subprocess.Popen([os.path.abspath(args.binary), "serve"], env=env, stdout=log, stderr=log)
    nginx = None
    try:
        wait_http(f"http://127.0.0.1:{port}/readyz")
        token = subprocess.run([os.path.abspath(args.binary), "token", "create", "--email", "admin@bench.test"],
                               env=env, capture_output=True, text=True, check=True).stdout.strip()
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/connectors/spinnaker",
                                         headers={"Authorization": f"Bearer {token}"})
        webhook = json.load(urllib.request.urlopen(request))["webhook"]["url"]
        lookout_url = f"http://127.0.0.1:{port}" + webhook[webhook.index("/spinnaker/"):]
        nginx = start_nginx(workdir, nginx_port)
        rows = []
        for name, path in files.items():
            size = os.path.getsize(path)
            ours = run_wrk(lookout_url, path, args.duration, args.connections, args.threads)
            ceiling = run_wrk(f"http://127.0.0.1:{nginx_port}/spinnaker/webhook", path, args.duration, args.connections, args.threads)
            rows.append((name, size, ours, ceiling))
        rss = peak_rss_mb(lookout.pid)
    finally:
        lookout.send_signal(signal.SIGTERM)
        lookout.wait(timeout=30)
        if nginx:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=10)

    stored = None
    if not args.database_url:
        db = sqlite3.connect(os.path.join(workdir, "data", "lookout.sqlite"))
        stored = db.execute("SELECT COUNT(*) FROM execution_events").fetchone()[0]
        db.close()
    backend = "PostgreSQL" if args.database_url else "SQLite (WAL, synchronous=FULL)"
    print(f"\nIngest benchmark — {backend}; wrk -t{args.threads} -c{args.connections} -d{args.duration}s; "
          f"{os.cpu_count()} cores; every request a new event")
    print(f"{'payload':<16}{'bytes':>8} | {'Lookout ev/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>8} | "
          f"{'nginx req/s':>12}{'p50 ms':>9}{'p99 ms':>9} | {'ratio':>6}")
    acknowledged = 0
    for name, size, ours, ceiling in rows:
        acknowledged += ours["requests"] - ours["non2xx"]
        print(f"{name:<16}{size:>8} | {ours['rps']:>12.0f}{ours['p50']:>9.2f}{ours['p99']:>9.2f}{ours['non2xx']:>8} | "
              f"{ceiling['rps']:>12.0f}{ceiling['p50']:>9.2f}{ceiling['p99']:>9.2f} | {ours['rps'] / ceiling['rps']:>6.1%}")
    print(f"Lookout peak resident memory (VmHWM): {rss:.0f} MiB")
    if stored is not None:
        print(f"events acknowledged {acknowledged}, stored {stored} ({'none lost' if stored >= acknowledged else 'LOST EVENTS'})")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if stored is None or stored >= acknowledged else 1


if __name__ == "__main__":
    sys.exit(main())
