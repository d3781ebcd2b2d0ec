import Hummingbird
import LookoutSecrets
import LookoutStore
import LookoutCore
import Logging
import Foundation

/// Authenticates `/api/v1/*` with `Authorization: Bearer <api token>`. The token is looked up by its
/// SHA-256 digest; the token itself is never stored or logged.
struct BearerAuthMiddleware: RouterMiddleware {
    typealias Context = LookoutRequestContext
    let accounts: AccountStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = request.headers.bearerToken else { throw APIError.unauthorized }
        guard let principal = try await accounts.principal(apiTokenHash: Tokens.digest(token)) else {
            throw APIError(.unauthorized, "unauthorized", "The API token is not valid.")
        }
        var context = context
        context.principal = principal
        context.logger[metadataKey: "user"] = "\(principal.userId)"
        return try await next(request, context)
    }
}

extension HTTPFields {
    /// The token of an `Authorization: Bearer …` header.
    var bearerToken: String? {
        guard let value = self[.authorization] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
