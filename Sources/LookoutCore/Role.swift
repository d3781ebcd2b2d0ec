/// What a user may do. Each role includes the ones below it.
public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    /// Reads everything in its organisation.
    case viewer
    /// Reads, confirms pipeline triggers, chats, resolves incidents.
    case `operator`
    /// Everything: connectors, settings, users, tokens.
    case admin

    private var rank: Int {
        switch self {
        case .viewer: return 0
        case .`operator`: return 1
        case .admin: return 2
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// The authenticated caller of a request: always exactly one organisation.
public struct Principal: Sendable, Equatable {
    public var userId: String
    public var organisationId: String
    public var email: String
    public var role: Role

    public init(userId: String, organisationId: String, email: String, role: Role) {
        self.userId = userId
        self.organisationId = organisationId
        self.email = email
        self.role = role
    }

    public func may(_ needed: Role) -> Bool { role >= needed }
}
