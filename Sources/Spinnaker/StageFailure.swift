/// What went wrong in a stage, gathered from every place Orca and Clouddriver put it
/// (the order Deck uses, `orchestratedItem.transformer.ts`):
/// 1. `context.exception.details.errors`, else `.error` (LockFailureException names the lock holder);
/// 2. `context["kato.tasks"][]`: the failed task's `exception.message`, else its last history status;
/// 3. `tasks[].taskExceptionDetails.exception`;
/// 4. `context.failureMessage`.
public struct StageFailure: Sendable, Codable, Equatable {
    public var exceptionType: String?
    /// The task (Orca `operation`) that raised it, when known.
    public var operation: String?
    public var messages: [String]
    /// Where the messages were found, e.g. `context.exception`, `kato.tasks`.
    public var sources: [String]

    public static func extract(from stage: JSONValue) -> StageFailure? {
        var failure = StageFailure(exceptionType: nil, operation: nil, messages: [], sources: [])
        let context = stage["context"] ?? .null

        if let exception = context["exception"], exception.objectValue != nil {
            failure.absorb(exception: exception, source: "context.exception")
        }
        for katoTask in context["kato.tasks"]?.arrayValue ?? [] where katoTask["status"]?["failed"]?.boolValue == true {
            if let message = katoTask["exception"]?["message"]?.nonEmptyString {
                failure.add(message, source: "kato.tasks")
            } else if let last = katoTask["history"]?.arrayValue?.last?["status"]?.nonEmptyString {
                failure.add(last, source: "kato.tasks")
            }
        }
        for task in stage["tasks"]?.arrayValue ?? [] {
            if let exception = task["taskExceptionDetails"]?["exception"], exception.objectValue != nil {
                failure.absorb(exception: exception, source: "task.taskExceptionDetails")
            }
        }
        if let message = context["failureMessage"]?.nonEmptyString {
            failure.add(message, source: "context.failureMessage")
        }
        return failure.messages.isEmpty && failure.exceptionType == nil ? nil : failure
    }

    private mutating func absorb(exception: JSONValue, source: String) {
        exceptionType = exceptionType ?? exception["exceptionType"]?.nonEmptyString
        operation = operation ?? exception["operation"]?.nonEmptyString
        let details = exception["details"] ?? .null
        if exception["exceptionType"]?.stringValue == "LockFailureException",
           let lock = details["currentLockValue"], lock.objectValue != nil {
            let holder = [lock["type"], lock["application"], lock["id"]].compactMap { $0?.nonEmptyString }
            add("Lock held by \(holder.joined(separator: " "))", source: source)
        }
        let errors = (details["errors"]?.arrayValue ?? []).compactMap(\.nonEmptyString)
        if !errors.isEmpty {
            errors.forEach { add($0, source: source) }
        } else if let error = details["error"]?.nonEmptyString {
            add(error, source: source)
        } else if let message = exception["message"]?.nonEmptyString {
            add(message, source: source)
        }
    }

    private mutating func add(_ message: String, source: String) {
        if !messages.contains(message) { messages.append(message) }
        if !sources.contains(source) { sources.append(source) }
    }
}
