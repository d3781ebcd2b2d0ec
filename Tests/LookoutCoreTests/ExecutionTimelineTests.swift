import LookoutCore
import LookoutTestSupport
import Spinnaker
import Testing

/// The execution status state machine against out-of-order, duplicated and late events.
@Suite struct ExecutionTimelineTests {
    let base: JSONValue

    init() throws {
        base = try Fixtures.succeededExecution()
    }

    /// An event for the same execution at a given point of the run (SYNTHETIC from the real fixture).
    func event(_ type: String, status: String, finishedStages: Int, stageIndex: Int? = nil) throws -> OrcaEvent {
        let execution = SyntheticEcho.execution(base, id: "01RUN", status: status) { index, _ in
            index < finishedStages ? "SUCCEEDED" : (index == finishedStages ? "RUNNING" : "NOT_STARTED")
        }
        let stage = stageIndex.flatMap { execution["stages"]?.arrayValue?[$0] }
        guard case .orca(let event) = try EchoEventDecoder.decode(SyntheticEcho.raw(type: type, execution: execution, stage: stage)) else {
            throw CancellationError()
        }
        return event
    }

    func run(_ events: [OrcaEvent]) -> (state: ExecutionState?, completions: Int) {
        var state: ExecutionState?
        var completions = 0
        for e in events {
            let update = ExecutionTimeline.apply(e, to: state)
            state = update.state
            if update.completed { completions += 1 }
        }
        return (state, completions)
    }

    @Test func inOrderRunEndsSucceeded() throws {
        let events = [
            try event("orca:pipeline:starting", status: "RUNNING", finishedStages: 0),
            try event("orca:stage:complete", status: "RUNNING", finishedStages: 1, stageIndex: 0),
            try event("orca:stage:complete", status: "RUNNING", finishedStages: 3, stageIndex: 2),
            try event("orca:pipeline:complete", status: "SUCCEEDED", finishedStages: 5),
        ]
        let result = run(events)
        #expect(result.state?.status == .succeeded)
        #expect(result.completions == 1)
    }

    @Test func lateStageAndTaskEventsNeverRegressACompletedExecution() throws {
        let failed = try event("orca:pipeline:failed", status: "TERMINAL", finishedStages: 2)
        let lateStage = try event("orca:stage:failed", status: "RUNNING", finishedStages: 2, stageIndex: 2)
        let lateTask = try event("orca:task:failed", status: "RUNNING", finishedStages: 1, stageIndex: 1)
        var state = ExecutionTimeline.apply(failed, to: nil).state
        for late in [lateStage, lateTask] {
            let update = ExecutionTimeline.apply(late, to: state)
            #expect(update.state.status == .terminal)
            #expect(!update.replaceSnapshot, "an older snapshot must not replace the final one")
            #expect(!update.completed)
            state = update.state
        }
    }

    @Test func outOfOrderDeliveryKeepsTheNewestSnapshot() throws {
        let stage3 = try event("orca:stage:complete", status: "RUNNING", finishedStages: 3, stageIndex: 2)
        let stage1 = try event("orca:stage:complete", status: "RUNNING", finishedStages: 1, stageIndex: 0)
        let afterStage3 = ExecutionTimeline.apply(stage3, to: nil)
        let afterStage1 = ExecutionTimeline.apply(stage1, to: afterStage3.state)
        #expect(!afterStage1.replaceSnapshot)
        #expect(afterStage1.state == afterStage3.state)
        // The pipeline start arriving last does not move anything backwards either.
        let start = try event("orca:pipeline:starting", status: "RUNNING", finishedStages: 0)
        #expect(ExecutionTimeline.apply(start, to: afterStage1.state).state == afterStage3.state)
    }

    @Test func duplicateEventChangesNothing() throws {
        let failed = try event("orca:pipeline:failed", status: "TERMINAL", finishedStages: 2)
        let first = ExecutionTimeline.apply(failed, to: nil)
        let again = ExecutionTimeline.apply(failed, to: first.state)
        #expect(again.isNoChange)
        #expect(again.state == first.state)
    }

    @Test func aLaterEndingReplacesAnEarlierOne() throws {
        // A restarted stage: the run ended TERMINAL, then ended again SUCCEEDED after more work.
        let terminal = try event("orca:pipeline:failed", status: "TERMINAL", finishedStages: 2)
        let succeeded = try event("orca:pipeline:complete", status: "SUCCEEDED", finishedStages: 5)
        let first = ExecutionTimeline.apply(terminal, to: nil)
        let second = ExecutionTimeline.apply(succeeded, to: first.state)
        #expect(second.state.status == .succeeded)
        #expect(second.completed && second.replaceSnapshot)
        // …but not the other way round.
        let back = ExecutionTimeline.apply(terminal, to: second.state)
        #expect(back.state.status == .succeeded && !back.replaceSnapshot)
    }

    @Test func eventsWithoutSnapshotUseTheirType() throws {
        guard case .orca(let taskFailed) = try EchoEventDecoder.decode(
            SyntheticEcho.raw(type: "orca:task:failed", execution: nil, executionId: "01X", taskName: "deploy.monitor")) else {
            Issue.record("not orca"); return
        }
        let update = ExecutionTimeline.apply(taskFailed, to: nil)
        #expect(update.state.status == .running, "a failed task alone does not end the execution")
        guard case .orca(let pipelineFailed) = try EchoEventDecoder.decode(
            SyntheticEcho.raw(type: "orca:pipeline:failed", execution: nil, executionId: "01X")) else { return }
        let end = ExecutionTimeline.apply(pipelineFailed, to: update.state)
        #expect(end.state.status == .terminal && end.completed)
    }
}

@Suite struct JobLeaseTests {
    @Test func claimRunSucceed() {
        var lease = JobLease(state: .queued(runAt: 100))
        #expect(lease.claim(owner: "w1", now: 50, leaseMs: 1000) == .ignore, "not due yet")
        #expect(lease.claim(owner: "w1", now: 100, leaseMs: 1000) == .run)
        #expect(lease.claim(owner: "w2", now: 500, leaseMs: 1000) == .ignore, "held by w1")
        #expect(lease.succeed(owner: "w2") == .ignore, "only the holder completes")
        _ = lease.succeed(owner: "w1")
        #expect(lease.state == .done)
        #expect(lease.claim(owner: "w2", now: 10_000, leaseMs: 1000) == .ignore, "a done job never runs again")
    }

    @Test func anExpiredLeaseGoesToAnotherWorker() {
        var lease = JobLease(state: .queued(runAt: 0))
        _ = lease.claim(owner: "dead-worker", now: 0, leaseMs: 1000)
        #expect(lease.claim(owner: "w2", now: 1000, leaseMs: 1000) == .run)
        #expect(lease.succeed(owner: "dead-worker") == .ignore)
        _ = lease.succeed(owner: "w2")
        #expect(lease.state == .done)
        #expect(lease.attempts == 2)
    }

    @Test func failuresBackOffThenDeadLetter() {
        var lease = JobLease(state: .queued(runAt: 0), maxAttempts: 3)
        var now: Int64 = 0
        var delays: [Int64] = []
        for _ in 1...2 {
            _ = lease.claim(owner: "w", now: now, leaseMs: 1000)
            guard case .retry(let at) = lease.fail(owner: "w", error: "boom", now: now) else {
                Issue.record("expected a retry"); return
            }
            delays.append(at - now)
            now = at
        }
        #expect(delays == [2_000, 4_000])
        _ = lease.claim(owner: "w", now: now, leaseMs: 1000)
        #expect(lease.fail(owner: "w", error: "boom", now: now) == .deadLetter)
        #expect(lease.state == .dead(lastError: "boom"))
        #expect(JobLease.backoffMs(afterAttempt: 30) == 300_000)
    }
}

@Suite struct IncidentPolicyTests {
    @Test func severityAndSettings() {
        #expect(IncidentPolicy.severity(for: .terminal) == .critical)
        #expect(IncidentPolicy.severity(for: .canceled) == .medium)
        #expect(IncidentPolicy.severity(for: .stopped) == .medium)
        #expect(IncidentPolicy.severity(for: .failedContinue) == nil)
        #expect(IncidentPolicy.severity(for: .succeeded) == nil)
        var settings = OrganisationSettings.defaults
        #expect(IncidentPolicy.opensIncident(.canceled, settings: settings))
        settings.createIncidentFor = [.terminal]
        #expect(!IncidentPolicy.opensIncident(.canceled, settings: settings))
        #expect(!IncidentPolicy.opensIncident(.failedContinue, settings: .defaults))
    }

    @Test func invalidSettingsAreExplained() {
        var settings = OrganisationSettings.defaults
        settings.createIncidentFor = [.succeeded]
        settings.correlationWindowMinutes = 1
        #expect(settings.problems.count == 2)
        #expect(OrganisationSettings.defaults.problems.isEmpty)
    }
}
