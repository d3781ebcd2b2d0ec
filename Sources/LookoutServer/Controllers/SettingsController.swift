import Hummingbird
import LookoutCore
import LookoutStore
import Spinnaker
import Logging
import Foundation

/// `GET /api/v1/settings` (any role) and `PUT /api/v1/settings` (admin).
struct SettingsController {
    let dependencies: LookoutDependencies

    func addRoutes(to group: RouterGroup<LookoutRequestContext>) {
        group.get("/settings") { _, context in
            let principal = try context.require(.viewer)
            return try await dependencies.settings.settings(organisationId: principal.organisationId).response()
        }
        group.put("/settings") { request, context in
            let principal = try context.require(.admin)
            let current = try await dependencies.settings.settings(organisationId: principal.organisationId)
            let change = try await request.decodeJSON(SettingsChange.self, context: context)
            var updated = current
            if let statuses = change.createIncidentFor {
                var parsed: [ExecutionStatus] = []
                for name in statuses {
                    guard let status = ExecutionStatus(orca: name) else {
                        throw APIError.validation("createIncidentFor: unknown status '\(name)'.")
                    }
                    if !parsed.contains(status) { parsed.append(status) }
                }
                updated.createIncidentFor = parsed
            }
            if let autoRca = change.autoRca { updated.autoRca = autoRca }
            if let minutes = change.correlationWindowMinutes { updated.correlationWindowMinutes = minutes }
            if let aliases = change.serviceAliases { updated.serviceAliases = aliases }
            let problems = updated.problems
            guard problems.isEmpty else { throw APIError.validation(problems.joined(separator: "; ") + ".") }
            try await dependencies.settings.save(updated, organisationId: principal.organisationId)
            return try updated.response()
        }
    }
}

/// A partial update: absent fields keep their value.
struct SettingsChange: Decodable {
    var createIncidentFor: [String]?
    var autoRca: Bool?
    var correlationWindowMinutes: Int?
    var serviceAliases: [String: [String]]?
}

