import Hummingbird
import LookoutStore
import LookoutSecrets
import SQLKit
import Prometheus
import LookoutCore
import Logging
import Foundation

/// `/healthz` (the process answers), `/readyz` (database reachable and migrated), `/metrics` and
/// `/openapi.yaml`.
struct HealthController {
    let dependencies: LookoutDependencies

    func addRoutes(to router: Router<LookoutRequestContext>) {
        router.get("/healthz") { _, _ in
            try HealthStatus(status: "ok", checks: [:]).response()
        }
        router.get("/readyz") { _, _ in
            var checks: [String: String] = [:]
            var ready = true
            do {
                let version = try await Migrations.currentVersion(of: dependencies.database)
                if version == Migrations.latestVersion {
                    checks["database"] = "ok"
                    checks["migrations"] = "ok (version \(Migrations.latestVersion))"
                } else {
                    ready = false
                    checks["database"] = "ok"
                    checks["migrations"] = "pending: at \(version.map(String.init) ?? "none"), need \(Migrations.latestVersion); run 'lookout migrate'"
                }
            } catch {
                ready = false
                checks["database"] = "unreachable"
            }
            do {
                try await dependencies.secrets.checkReady()
                checks["secrets"] = "ok (\(dependencies.secrets.backendName))"
            } catch {
                ready = false
                checks["secrets"] = "\(error)"
            }
            return try HealthStatus(status: ready ? "ready" : "not_ready", checks: checks)
                .response(status: ready ? .ok : .serviceUnavailable)
        }
        router.get("/openapi.yaml") { _, _ in
            guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"),
                  let data = try? Data(contentsOf: url) else {
                throw APIError(.internalServerError, "internal", "The OpenAPI document is missing from this build.")
            }
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get("/metrics") { _, _ in
            if let counts = try? await dependencies.jobs.countsByState() { dependencies.metrics.setJobsByState(counts) }
            let text = dependencies.metrics.registry.emitToBuffer()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: text)))
        }
    }
}

struct HealthStatus: Encodable {
    var status: String
    var checks: [String: String]
}
