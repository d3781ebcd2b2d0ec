#!/usr/bin/env python3
"""MCP end to end with the official Python client (`pip install mcp`).

Starts the Gate simulator and a Lookout server (SQLite in a temp dir), connects them, sends a failing
pipeline run, then lets the Python MCP client start `lookout mcp` on stdio, list the tools, call every
read action of `spinnaker_rca`, the incident and RCA tools, and a trigger (which must come back as a
pending action: MCP cannot confirm). Exits non-zero on any failed check.

Usage: mcp_client_test.py --binary .build/debug/lookout
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(url, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def api(port, token, path, body=None):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode() if body is not None else None,
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                                     method="POST" if body is not None else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


async def exercise(binary, lookout_url, token, failures):
    params = StdioServerParameters(command=binary, args=["mcp"], env={**os.environ, "LOOKOUT_URL": lookout_url, "LOOKOUT_TOKEN": token})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            version = getattr(init, "protocol_version", None) or getattr(init, "protocolVersion", None)
            server = getattr(init, "server_info", None) or getattr(init, "serverInfo", None)
            print(f"negotiated MCP protocol {version} with {server.name}")
            tools = (await session.list_tools()).tools
            names = [tool.name for tool in tools]
            print("tools:", names)
            if names != ["spinnaker_rca", "list_incidents", "get_incident", "get_rca_report"]:
                failures.append(f"unexpected tools {names}")

            async def call(name, arguments):
                result = await session.call_tool(name, arguments)
                text = "".join(part.text for part in result.content if getattr(part, "type", "") == "text")
                error = getattr(result, "is_error", None)
                if error is None:
                    error = getattr(result, "isError", False)
                return bool(error), text

            checks = {
                "recent_pipelines": ({"action": "recent_pipelines", "limit": 10}, ["executions", "api-gateway"]),
                "pipeline_detail": (None, ["Deploy (Manifest)", "TERMINAL"]),
                "application_health": ({"action": "application_health", "application": "api-gateway"}, ["degraded"]),
                "list_pipeline_configs": ({"action": "list_pipeline_configs", "application": "payments-api"}, ["Rollback production", "\"isRollback\" : true"]),
                "execution_logs": (None, ["ImagePullBackOff", "manifest unknown"]),
            }
            error, text = await call("spinnaker_rca", {"action": "recent_pipelines", "application": "api-gateway", "limit": 25})
            terminal = next((e["executionId"] for e in json.loads(text)["executions"] if e["status"] == "TERMINAL"), None)
            for action, (arguments, expected) in checks.items():
                arguments = arguments or {"action": action, "executionId": terminal}
                error, text = await call("spinnaker_rca", arguments)
                missing = [word for word in expected if word not in text]
                print(f"spinnaker_rca {action}: {'error' if error else 'ok'}, {len(text)} chars")
                if error or missing:
                    failures.append(f"{action}: error={error}, missing {missing}: {text[:300]}")

            error, text = await call("list_incidents", {"status": "open"})
            incidents = json.loads(text)["incidents"] if not error else []
            print(f"list_incidents: {len(incidents)} open")
            if not incidents:
                failures.append("list_incidents returned none")
            else:
                incident_id = incidents[0]["id"]
                error, text = await call("get_incident", {"id": incident_id})
                if error or "suspects" not in text:
                    failures.append(f"get_incident failed: {text[:200]}")
                for _ in range(50):
                    error, text = await call("get_rca_report", {"incidentId": incident_id})
                    if not error:
                        break
                    await asyncio.sleep(0.2)
                print(f"get_rca_report: {'error' if error else text.splitlines()[0]}")
                if error or "## Failing stages" not in text:
                    failures.append(f"get_rca_report failed: {text[:200]}")

            error, text = await call("spinnaker_rca", {"action": "trigger_pipeline", "application": "payments-api",
                                                       "pipelineName": "Rollback production"})
            print(f"trigger_pipeline over MCP: {'error' if error else json.loads(text)['status']}")
            if error or "confirmation_required" not in text:
                failures.append(f"trigger over MCP did not return a pending action: {text[:200]}")
            error, text = await call("confirm_action", {"id": "x"})
            if not error:
                failures.append("MCP must have no way to confirm an action")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    workdir = tempfile.mkdtemp(prefix="lookout-mcp-")
    sim_port, port = free_port(), free_port()
    env = dict(os.environ, LOOKOUT_DATA_DIR=os.path.join(workdir, "data"), LOOKOUT_PORT=str(port),
               LOOKOUT_ADMIN_EMAIL="admin@mcp.test", LOOKOUT_ADMIN_PASSWORD="mcp-test-password", LOOKOUT_LOG_LEVEL="warning")
    log = open(os.path.join(workdir, "lookout.log"), "w")
    lookout = subprocess.Popen([binary, "serve"], env=env, stdout=log, stderr=log)
    sim = None
    failures = []
    try:
        wait(f"http://127.0.0.1:{port}/readyz")
        token = subprocess.run([binary, "token", "create", "--email", "admin@mcp.test"], env=env, capture_output=True, text=True,
                               check=True).stdout.strip()
        webhook = api(port, token, "/api/v1/connectors/spinnaker")["webhook"]["url"]
        sim = subprocess.Popen([binary, "sim", "--port", str(sim_port), "--emit-to", webhook, "--scenario", "terminal", "--delay-ms", "5"],
                               stdout=open(os.path.join(workdir, "sim.log"), "w"), stderr=subprocess.STDOUT)
        wait(f"http://127.0.0.1:{sim_port}/applications")
        api(port, token, "/api/v1/connectors/spinnaker", {"gateUrl": f"http://127.0.0.1:{sim_port}", "authMethod": "basic", "token": "t"})
        deadline = time.time() + 30
        while time.time() < deadline and not api(port, token, "/api/v1/incidents")["incidents"]:
            time.sleep(0.2)
        asyncio.run(exercise(binary, f"http://127.0.0.1:{port}", token, failures))
    finally:
        for process in (sim, lookout):
            if process and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
    if failures:
        for failure in failures:
            print("FAILED:", failure)
        return 1
    print("MCP client checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
