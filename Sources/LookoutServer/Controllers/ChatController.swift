import Foundation
import Hummingbird
import LookoutAgent
import LookoutCore
import LookoutStore
import Spinnaker

/// `POST /api/v1/chat` `{"message","conversationId"?}` → `{"conversationId","reply","toolCalls","pendingAction"?}`.
/// Operators and admins only (chatting can prepare triggers).
struct ChatController {
    let dependencies: LookoutDependencies

    struct ChatRequest: Decodable {
        var message: String
        var conversationId: String?
    }

    struct ChatResponse: Encodable {
        var conversationId: String
        var reply: String
        var toolCalls: [ChatAgent.ToolCall]
        var pendingAction: JSONValue?
        var engine: String
    }

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.post("/chat") { request, context in
            let principal = try context.require(.`operator`)
            let body = try await request.decodeJSON(ChatRequest.self, context: context)
            let message = body.message.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !message.isEmpty, message.count <= 4_000 else { throw APIError.validation("message must hold 1 to 4000 characters.") }
            var history: [(role: String, content: String)] = []
            let conversationId: String
            if let id = body.conversationId {
                guard let turns = try await dependencies.chats.history(organisationId: principal.organisationId, userId: principal.userId,
                                                                        conversationId: id) else {
                    throw APIError.notFound("No conversation '\(id)'.")
                }
                history = turns
                conversationId = id
            } else {
                conversationId = UUID().uuidString.lowercased()
            }
            let reply = await dependencies.chatAgent.respond(to: message, history: history, caller: .init(principal: principal, via: "chat"))
            try await dependencies.chats.append(organisationId: principal.organisationId, userId: principal.userId, conversationId: conversationId,
                                                turns: [("user", message), ("assistant", reply.text)])
            return try ChatResponse(conversationId: conversationId, reply: reply.text, toolCalls: reply.toolCalls,
                                    pendingAction: reply.pendingAction, engine: reply.engine).response()
        }
    }
}
