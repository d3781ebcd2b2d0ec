#!/usr/bin/env python3
"""Crash test: an event answered 202 survives `kill -9`.

Starts `lookout serve` on a fresh data directory, sends a stream of Echo events from several threads,
kills the server with SIGKILL at a random moment, restarts it on the same data, and checks that
every event that was answered 202 is in the database (and readable through the API). Repeats for
several rounds. Exits non-zero if any acknowledged event is missing.

Usage: crash_test.py --binary .build/debug/lookout [--rounds 3] [--threads 6]
"""
import argparse
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import echo_events  # noqa: E402


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, data_dir, port):
        self.binary, self.data_dir, self.port = binary, data_dir, port
        self.process = None

    def env(self):
        env = dict(os.environ)
        env.update({"LOOKOUT_DATA_DIR": self.data_dir, "LOOKOUT_PORT": str(self.port),
                    "LOOKOUT_ADMIN_EMAIL": "admin@crash.test", "LOOKOUT_ADMIN_PASSWORD": "crash-test-password",
                    "LOOKOUT_LOG_LEVEL": "warning"})
        return env

    def start(self):
        log = open(os.path.join(self.data_dir, "server.log"), "a")
        self.process = subprocess.Popen([self.binary, "serve"], env=self.env(), stdout=log, stderr=log)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1)
                return
            except Exception:
                if self.process.poll() is not None:
                    raise SystemExit(f"server exited with {self.process.returncode}; see {self.data_dir}/server.log")
                time.sleep(0.1)
        raise SystemExit("server did not become ready in 60 s")

    def kill9(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def api(port, token, path):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=6)
    args = parser.parse_args()

    data_dir = tempfile.mkdtemp(prefix="lookout-crash-")
    server = Server(os.path.abspath(args.binary), data_dir, free_port())
    server.start()
    token = subprocess.run([server.binary, "token", "create", "--email", "admin@crash.test", "--name", "crash"],
                           env=server.env(), capture_output=True, text=True, check=True).stdout.strip()
    webhook = api(server.port, token, "/api/v1/connectors/spinnaker")["webhook"]["url"]
    path = webhook[webhook.index("/spinnaker/"):]

    acknowledged = []
    lock = threading.Lock()
    total_sent = 0
    try:
        for round_number in range(args.rounds):
            stop = threading.Event()
            counter = [0]

            def sender(thread_id):
                nonlocal total_sent
                n = 0
                while not stop.is_set():
                    n += 1
                    event_id = f"crash-{round_number}-{thread_id}-{n}"
                    execution_id = f"01CRASH{round_number}T{thread_id}N{n}"
                    body = (echo_events.large_stage_event if n % 3 == 0 else echo_events.small_pipeline_event)(execution_id, event_id)
                    request = urllib.request.Request(f"http://127.0.0.1:{server.port}{path}", data=body.encode(),
                                                     headers={"Content-Type": "application/json"}, method="POST")
                    try:
                        with urllib.request.urlopen(request, timeout=10) as response:
                            if response.status == 202:
                                with lock:
                                    acknowledged.append(event_id)
                    except (urllib.error.URLError, ConnectionError, OSError):
                        if stop.is_set():
                            return
                        time.sleep(0.01)
                    with lock:
                        total_sent += 1
                        counter[0] += 1

            threads = [threading.Thread(target=sender, args=(t,), daemon=True) for t in range(args.threads)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.8, 2.5))
            server.kill9()
            stop.set()
            for t in threads:
                t.join(timeout=15)
            print(f"round {round_number + 1}: killed with SIGKILL after {counter[0]} requests; {len(acknowledged)} acknowledged so far")
            server.start()

        db = sqlite3.connect(os.path.join(data_dir, "lookout.sqlite"))
        stored = {row[0] for row in db.execute("SELECT event_id FROM execution_events")}
        db.close()
        missing = [e for e in acknowledged if e not in stored]
        deployments = 0
        cursor = None
        while True:
            page = api(server.port, token, "/api/v1/deployments?limit=200" + (f"&cursor={cursor}" if cursor else ""))
            deployments += len(page["deployments"])
            cursor = page.get("nextCursor")
            if not cursor:
                break
        print(f"crash test: {len(acknowledged)} events acknowledged with 202, {len(stored)} stored, "
              f"{deployments} deployments readable through the API, {len(missing)} acknowledged events lost")
        if missing or not acknowledged or deployments < len(acknowledged):
            print("FAILED: lost events: " + ", ".join(missing[:10]))
            return 1
        return 0
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
