import Foundation
import LookoutTestSupport
import Spinnaker
import Testing

/// Every Echo shape, built from the real executions in `shared/fixtures` (events are SYNTHETIC: a real
/// execution wrapped in Echo's envelope, since no captured Echo REST body exists).
@Suite struct EchoEventDecoderTests {
    func orca(_ event: EchoEvent) throws -> OrcaEvent {
        guard case .orca(let orca) = event else {
            Issue.record("expected an Orca event, got \(event)")
            throw CancellationError()
        }
        return orca
    }

    @Test func rawShapeOfTheRealTerminalExecution() throws {
        let execution = try Fixtures.terminalExecution()
        let body = SyntheticEcho.body(SyntheticEcho.raw(type: "orca:pipeline:failed", execution: execution, eventId: "evt-1"))
        let event = try orca(EchoEventDecoder.decode(body))
        #expect(event.type == "orca:pipeline:failed")
        #expect(event.scope == .pipeline && event.phase == .failed)
        #expect(event.eventId == "evt-1")
        #expect(event.executionId == "3e0c2e5c-fd3c-4e4d-934e-e315066cbde9")
        #expect(event.createdAt == 1_745_292_110_432)
        #expect(event.application == "tracks")
        let snapshot = try #require(event.execution)
        #expect(snapshot.status == .terminal)
        #expect(snapshot.canceled && snapshot.canceledBy == "parent pipeline")
        #expect(snapshot.name == "Deployment Strategy")
        #expect(snapshot.stages.count == 6)
        #expect(snapshot.durationMs == Int64(28_412))
        #expect(event.subjectStatus == .terminal)
    }

    @Test func triggerOfTheRealExecutionNamesTheParentPipeline() throws {
        let snapshot = ExecutionSnapshot(json: try Fixtures.terminalExecution())
        #expect(snapshot.trigger.type == "pipeline")
        #expect(snapshot.trigger.user == "[anonymous]")
        #expect(snapshot.trigger.parentExecutionId == "84099610-f292-4cab-bd5a-49ecf8570ffe")
        #expect(snapshot.trigger.parentPipelineName == "PROD Deployment")
        #expect(snapshot.trigger.parentPipelineApplication == "tracks")
        #expect(!snapshot.trigger.parameters.isEmpty)
    }

    @Test func failureDetailsOfTheRealStoppedDeployStage() throws {
        let snapshot = ExecutionSnapshot(json: try Fixtures.terminalExecution())
        let deploy = try #require(snapshot.stages.first { $0.name == "Deploy in us-east-1" })
        let failure = try #require(deploy.failure)
        #expect(failure.exceptionType == "IllegalArgumentException")
        #expect(failure.operation == "createServerGroup")
        #expect(failure.messages.first?.contains("No _valueDeserializer assigned") == true)
        #expect(failure.sources == ["context.exception"])
        #expect(snapshot.failedStages.map(\.name).contains("Deploy in us-east-1"))
        // Stages that never ran have no failure.
        #expect(snapshot.stages.first { $0.name == "Wait 1 Hour" }?.failure == nil)
    }

    @Test func failureFromKatoTasksTaskExceptionDetailsAndFailureMessage() throws {
        let kato = try Fixtures.json("spinnaker/clouddriver-kato-task.json")
        var failedKato = kato.objectValue ?? [:]
        failedKato["status"] = .object(["completed": .bool(true), "failed": .bool(true)])
        failedKato["exception"] = .object(["message": .string("Image pull backoff for nginx:1.99")])
        let stage: JSONValue = .object([
            "id": "s1", "type": "deployManifest", "name": "Deploy", "status": "TERMINAL",
            "context": .object(["kato.tasks": .array([.object(failedKato)]), "failureMessage": "Deploy timed out"]),
            "tasks": .array([.object(["name": "monitorDeploy", "status": "TERMINAL", "taskExceptionDetails": .object([
                "exception": .object(["exceptionType": "TimeoutException", "details": .object(["errors": .array(["Manifest did not stabilize"])])]),
            ])])]),
        ])
        let failure = try #require(StageSnapshot(json: stage).failure)
        #expect(failure.messages == ["Image pull backoff for nginx:1.99", "Manifest did not stabilize", "Deploy timed out"])
        #expect(failure.sources == ["kato.tasks", "task.taskExceptionDetails", "context.failureMessage"])
        #expect(failure.exceptionType == "TimeoutException")
    }

    @Test func wrappedShapeWithDefaultAndCustomField() throws {
        let raw = SyntheticEcho.raw(type: "orca:pipeline:complete", execution: try Fixtures.succeededExecution())
        for wrapped in [SyntheticEcho.wrapped(raw), SyntheticEcho.wrapped(raw, eventName: "lookout", field: "myCustomEventField")] {
            let event = try orca(EchoEventDecoder.decode(SyntheticEcho.body(wrapped)))
            #expect(event.executionId == "01JSDR9Q2VBK2PTRZWKG0F5452")
            #expect(event.execution?.status == .succeeded)
            #expect(event.execution?.stages.count == 5)
        }
    }

    @Test func flattenedShape() throws {
        let raw = SyntheticEcho.raw(type: "orca:pipeline:complete", execution: try Fixtures.succeededExecution(), eventId: "flat-1")
        let flattened = SyntheticEcho.flattened(raw)
        #expect(flattened["details"]?.stringValue != nil, "details must be a JSON string in this shape")
        let event = try orca(EchoEventDecoder.decode(SyntheticEcho.body(flattened)))
        #expect(event.eventId == "flat-1")
        #expect(event.execution?.application == "kubernetesapp")
        #expect(event.phase == .complete)
    }

    @Test func flatLegacyShape() throws {
        let body: JSONValue = .object([
            "application": "payments", "pipeline": "Deploy to prod", "execution_id": "01FLAT", "status": "terminal",
            "trigger_type": "manual", "trigger_user": "alice@example.com", "start_time": 1_700_000_000_000,
            "end_time": 1_700_000_060_000, "event_type": "orca:pipeline:failed",
        ])
        let event = try orca(EchoEventDecoder.decode(SyntheticEcho.body(body)))
        #expect(event.executionId == "01FLAT")
        #expect(event.execution?.status == .terminal)
        #expect(event.execution?.name == "Deploy to prod")
        #expect(event.execution?.trigger.user == "alice@example.com")
        #expect(event.execution?.durationMs == 60_000)
        #expect(event.type == "orca:pipeline:failed")
    }

    @Test func stageAndTaskEvents() throws {
        let execution = try Fixtures.succeededExecution()
        let stage = try #require(execution["stages"]?.arrayValue?[2])
        let stageEvent = try orca(EchoEventDecoder.decode(SyntheticEcho.body(
            SyntheticEcho.raw(type: "orca:stage:complete", execution: execution, stage: stage)))) 
        #expect(stageEvent.scope == .stage)
        #expect(stageEvent.stageName == "Deploy (Manifest)")
        #expect(stageEvent.subjectStatus == .succeeded)
        // A task event sent with echo.events.includeFullExecution=false carries no execution.
        let taskEvent = try orca(EchoEventDecoder.decode(SyntheticEcho.body(
            SyntheticEcho.raw(type: "orca:task:failed", execution: nil, executionId: "01X", stage: stage, taskName: "deployManifest.monitorDeploy"))))
        #expect(taskEvent.execution == nil)
        #expect(taskEvent.taskName == "deployManifest.monitorDeploy")
        #expect(taskEvent.subjectStatus == .terminal)
        #expect(taskEvent.deduplicationKey.contains("deployManifest.monitorDeploy"))
    }

    @Test func nonOrcaEventsAreKeptAsOtherEvents() throws {
        let build: JSONValue = .object([
            "details": .object(["source": "igor", "type": "build", "created": "1745292110432"]),
            "content": .object(["project": .object(["name": "payments-ci", "lastBuild": .object(["number": 42])])]),
            "eventId": "igor-1",
        ])
        guard case .other(let other) = try EchoEventDecoder.decode(SyntheticEcho.body(build)) else {
            Issue.record("an igor build event must not become an execution")
            return
        }
        #expect(other.source == "igor" && other.type == "build" && other.eventId == "igor-1")
    }

    @Test func badBodiesAreNamed() throws {
        #expect(throws: EchoDecodingError.notJSON) { try EchoEventDecoder.decode(Data("{not json".utf8)) }
        #expect(throws: EchoDecodingError.notAnObject(kind: "array")) { try EchoEventDecoder.decode(Data("[1,2]".utf8)) }
        #expect(throws: EchoDecodingError.unknownShape(keys: ["hello"])) { try EchoEventDecoder.decode(Data(#"{"hello":1}"#.utf8)) }
        let missingId = SyntheticEcho.raw(type: "orca:pipeline:starting", execution: nil, executionId: "")
        #expect(throws: EchoDecodingError.self) { try EchoEventDecoder.decode(SyntheticEcho.body(missingId)) }
        let badFlatten: JSONValue = .object(["details": "{broken", "content": "{}"])
        #expect(throws: EchoDecodingError.invalidField("details", "a flattened field must hold JSON text")) {
            try EchoEventDecoder.decode(SyntheticEcho.body(badFlatten))
        }
    }

    @Test func executionStatusPredicatesFollowOrca() {
        #expect(ExecutionStatus.allCases.filter(\.isComplete).map(\.rawValue).sorted()
            == ["CANCELED", "FAILED_CONTINUE", "SKIPPED", "STOPPED", "SUCCEEDED", "TERMINAL"])
        #expect(ExecutionStatus.allCases.filter(\.isSuccessful) == [.succeeded, .stopped, .skipped])
        #expect(ExecutionStatus.allCases.filter(\.isFailure) == [.failedContinue, .terminal, .stopped])
        #expect(ExecutionStatus(orca: "COMPLETED") == .succeeded)
        #expect(ExecutionStatus(orca: "running") == .running)
    }
}
