"""SYNTHETIC Echo events built from the real Orca executions in ../shared/fixtures.

No captured Echo REST body exists publicly (shared/docs/reference/spinnaker-wire.md §5), so events
are a real execution wrapped in the envelope Echo's RestEventListener sends with wrap:false:
{"details": {...}, "content": {"execution": ..., "executionId": ...}, "eventId": ...}.
"""
import copy
import json
import os
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.environ.get("LOOKOUT_FIXTURES", os.path.join(HERE, "..", "..", "..", "shared", "fixtures"))


def fixture(name):
    with open(os.path.join(FIXTURES, "spinnaker", name)) as f:
        return json.load(f)


def succeeded_execution():
    return fixture("gate-pipelines-id-k8s-SUCCEEDED.json")


def envelope(event_type, execution, execution_id=None, stage=None, task_name=None, event_id=None, created="1745292110432"):
    execution_id = execution_id or execution["id"]
    content = {"execution": execution, "executionId": execution_id}
    if stage is not None:
        content.update({"stageId": stage["id"], "name": stage["name"], "context": stage.get("context", {}),
                        "startTime": stage.get("startTime"), "endTime": stage.get("endTime"),
                        "standalone": False, "canceled": False, "isSynthetic": False})
    if task_name:
        content["taskName"] = task_name
    return {
        "details": {"source": "orca", "type": event_type, "created": created,
                    "application": execution.get("application"), "requestHeaders": {}},
        "content": content,
        "eventId": event_id or str(uuid.uuid4()),
    }


def large_stage_event(execution_id, event_id):
    """About 85 KB: the real expanded k8s execution in a stage:complete event."""
    execution = copy.deepcopy(succeeded_execution())
    execution["id"] = execution_id
    execution["status"] = "RUNNING"
    stage = execution["stages"][2]
    return json.dumps(envelope("orca:stage:complete", execution, stage=stage, event_id=event_id))


def small_pipeline_event(execution_id, event_id):
    """About 5 KB: pipeline:starting with the first stage of the real execution."""
    execution = copy.deepcopy(succeeded_execution())
    execution["id"] = execution_id
    execution["status"] = "RUNNING"
    execution["stages"] = execution["stages"][:1]
    execution["initialConfig"] = {}
    return json.dumps(envelope("orca:pipeline:starting", execution, event_id=event_id))
