import Foundation
import Hummingbird
import LookoutCore
import LookoutSecrets
import LookoutStore
import Spinnaker
import Logging

/// `POST /spinnaker/webhook/{token}` and `POST /spinnaker/webhook` (token as a Bearer header, which
/// Echo sends from its endpoint `headers`). Verify the token, check the content type and size, decode
/// the event in whatever shape Echo sent it, store it durably, then answer 202. Bad input gets its own
/// 4xx and stores nothing.
struct SpinnakerWebhookController {
    let dependencies: LookoutDependencies

    func addRoutes(to router: Router<LookoutRequestContext>) {
        router.post("/spinnaker/webhook/:token") { request, context in
            try await receive(request, context: context, pathToken: try context.parameters.require("token"))
        }
        router.post("/spinnaker/webhook") { request, context in
            try await receive(request, context: context, pathToken: nil)
        }
    }

    private func receive(_ request: Request, context: LookoutRequestContext, pathToken: String?) async throws -> Response {
        let org: String
        do {
            org = try await dependencies.webhookOrganisation(pathToken: pathToken, headers: request.headers, url: "/spinnaker/webhook")
        } catch {
            dependencies.metrics.eventReceived(type: "unknown", outcome: "rejected")
            throw error
        }
        return try await receive(request, context: context, organisationId: org)
    }


    private func receive(_ request: Request, context: LookoutRequestContext, organisationId: String) async throws -> Response {
        let started = ContinuousClock.now
        let metrics = dependencies.metrics
        do {
            let body = try await WebhookBody.read(request, maxBytes: dependencies.configuration.webhookMaxBody)
            let event: EchoEvent
            do {
                event = try EchoEventDecoder.decode(body)
            } catch {
                throw APIError.decoding(error)
            }
            var summary: String?
            if case .orca(let orca) = event, let execution = orca.execution {
                summary = String(decoding: try JSONEncoder().encode(execution), as: UTF8.self)
            }
            let item = IngestItem(organisationId: organisationId, event: event, body: String(decoding: body, as: UTF8.self),
                                  summary: summary, receivedAt: EpochMillis.now())
            let outcome = try await dependencies.ingest.ingest(item)
            let type: String
            switch event {
            case .orca(let orca): type = orca.type
            case .other(let other): type = other.type ?? "unknown"
            }
            metrics.eventReceived(type: Self.metricType(type), outcome: outcome.kind.rawValue)
            metrics.ingestFinished(after: ContinuousClock.now - started)
            return try WebhookAcknowledgement(
                received: true, kind: outcome.kind == .other ? "other" : "orca", eventId: event.eventId,
                executionId: outcome.executionId, status: outcome.status?.rawValue, duplicate: outcome.kind == .duplicate
            ).response(status: .accepted)
        } catch let error as APIError {
            metrics.eventReceived(type: "invalid", outcome: "rejected")
            throw error
        } catch {
            metrics.eventReceived(type: "unknown", outcome: "error")
            context.logger.error("storing a webhook event failed", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, "store_unavailable", "The event could not be stored; it was not accepted. Retry later.")
        }
    }

    /// Bounds the label values: Orca types as sent, anything else grouped.
    static func metricType(_ type: String) -> String {
        if EchoEventDecoder.parseOrcaType(type) != nil { return type }
        return ["build", "git", "docker", "webhook", "pubsub", "manualJudgment"].contains(type) ? type : "other"
    }
}

struct WebhookAcknowledgement: Encodable {
    var received: Bool
    var kind: String
    var eventId: String?
    var executionId: String?
    var status: String?
    var duplicate: Bool
}

/// Reading a webhook body with the checks that come before decoding.
enum WebhookBody {
    static func read(_ request: Request, maxBytes: Int) async throws -> Data {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let mediaType = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
            throw APIError(.unsupportedMediaType, "unsupported_media_type",
                           "Content-Type must be application/json (got '\(mediaType.isEmpty ? "none" : String(mediaType.prefix(80)))').")
        }
        let tooLarge = APIError(.contentTooLarge, "too_large",
                                "The body is larger than \(maxBytes) bytes; raise LOOKOUT_WEBHOOK_MAX_BODY to accept it.")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBytes { throw tooLarge }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
        guard buffer.readableBytes > 0 else { throw APIError.badRequest("The body is empty; expected an Echo event (JSON).") }
        return Data(buffer.readableBytesView)
    }
}

extension APIError {
    static func decoding(_ error: EchoDecodingError) -> APIError {
        switch error {
        case .notJSON: return APIError(.badRequest, "invalid_json", error.description)
        case .notAnObject: return APIError(.unprocessableContent, "not_an_object", error.description)
        case .unknownShape: return APIError(.unprocessableContent, "unknown_shape", error.description)
        case .invalidField: return APIError(.unprocessableContent, "invalid_field", error.description)
        }
    }
}
