public import Hummingbird
public import LookoutCore
import Logging
import Foundation

/// The request context: Hummingbird's core storage plus the authenticated caller.
public struct LookoutRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
    }

    /// Webhook bodies are read with their own limit (`LOOKOUT_WEBHOOK_MAX_BODY`); API bodies are small.
    public var maxUploadSize: Int { 1 << 20 }

    /// The caller, who must have at least `role`.
    func require(_ role: Role) throws -> Principal {
        guard let principal else { throw APIError.unauthorized }
        guard principal.may(role) else { throw APIError.forbidden(role.rawValue) }
        return principal
    }
}
