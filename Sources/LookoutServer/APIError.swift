public import Hummingbird
import Foundation
import LookoutCore
import Logging

/// An error answered to an API client as `{"error":{"code","message"}}` with its HTTP status.
/// Messages are for people and never contain secrets.
public struct APIError: Error, HTTPResponseError, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var description: String { "\(status.code) \(code): \(message)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        Self.jsonResponse(status: status, code: code, message: message, headers: headers)
    }

    static func jsonResponse(status: HTTPResponse.Status, code: String, message: String, headers: HTTPFields = [:]) -> Response {
        struct Body: Encodable {
            struct Inner: Encodable { var code: String; var message: String }
            var error: Inner
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(error: .init(code: code, message: message)))) ?? Data()
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, "bad_request", message) }
    static func validation(_ message: String) -> APIError { APIError(.unprocessableContent, "validation_failed", message) }
    static func notFound(_ message: String) -> APIError { APIError(.notFound, "not_found", message) }
    static let unauthorized = APIError(.unauthorized, "unauthorized", "A valid API token is required (Authorization: Bearer <token>).")
    static func forbidden(_ needed: String) -> APIError {
        APIError(.forbidden, "forbidden", "This action needs the \(needed) role.")
    }
}

/// Turns every error into the JSON error shape: Hummingbird's own (unknown route, body too large),
/// and unexpected ones (logged with the request id, answered as a plain 500).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.jsonResponseValue
        } catch let error as HTTPError {
            let code: String
            switch error.status {
            case .notFound: code = "no_route"
            case .contentTooLarge: code = "too_large"
            case .methodNotAllowed: code = "method_not_allowed"
            case .unauthorized: code = "unauthorized"
            default: code = error.status.code < 500 ? "bad_request" : "internal"
            }
            let message = error.status == .notFound
                ? "No endpoint \(request.method.rawValue) \(request.uri.path)."
                : (error.body ?? error.status.reasonPhrase)
            return APIError.jsonResponse(status: error.status, code: code, message: message, headers: error.headers)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: type(of: error)))"])
            return APIError.jsonResponse(status: .internalServerError, code: "internal",
                                         message: "Internal error; the request id is in the server log.")
        }
    }
}

extension APIError {
    var jsonResponseValue: Response { Self.jsonResponse(status: status, code: code, message: message, headers: headers) }
}
