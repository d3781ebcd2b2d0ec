import Foundation
import Hummingbird
import LookoutCore
import Logging

extension Encodable {
    /// A JSON response with this value as its body.
    func response(status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension Request {
    /// Decodes a small JSON request body; a body that does not decode is a 400 that says why.
    func decodeJSON<T: Decodable>(_ type: T.Type, context: LookoutRequestContext) async throws -> T {
        let buffer = try await body.collect(upTo: context.maxUploadSize)
        do {
            return try JSONDecoder().decode(type, from: Data(buffer.readableBytesView))
        } catch let DecodingError.dataCorrupted(ctx) {
            throw APIError.badRequest("The body is not valid JSON: \(ctx.debugDescription)")
        } catch let DecodingError.keyNotFound(key, _) {
            throw APIError.validation("Missing field '\(key.stringValue)'.")
        } catch let DecodingError.typeMismatch(_, ctx) {
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.validation("Field '\(path)' has the wrong type.")
        } catch let DecodingError.valueNotFound(_, ctx) {
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError.validation("Field '\(path)' may not be null.")
        } catch {
            throw APIError.badRequest("The body could not be read as JSON.")
        }
    }
}
