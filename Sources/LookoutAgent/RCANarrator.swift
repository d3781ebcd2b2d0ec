public import LookoutCore
import Spinnaker

/// Turns a deterministic RCA report into a short narrative with an LLM. The model sees only the
/// report's evidence and is told to cite it; the deterministic report is always kept.
public struct RCANarrator: Sendable {
    let client: ChatCompletionsClient

    public init(client: ChatCompletionsClient) {
        self.client = client
    }

    public var model: String { client.model }

    public func shutdown() async {
        await client.shutdown()
    }

    static let instructions = """
        You are an SRE writing the summary of a root-cause analysis for the engineer on call. Use only the \
        evidence below. Cite evidence in square brackets, e.g. [stage Deploy (Manifest)], [change tag], [alert HighErrorRate]. \
        Say how sure the evidence makes you. At most 8 sentences. Do not invent facts, commands or links.
        """

    public func narrate(_ report: RCAReport) async throws(ChatCompletionsClient.Failure) -> String {
        let message = try await client.complete(messages: [
            ["role": "system", "content": .string(Self.instructions)],
            ["role": "user", "content": .string(report.markdown)],
        ])
        guard let text = message["content"]?.nonEmptyString else { throw .malformed }
        return text
    }
}
