import AsyncHTTPClient
public import Foundation
public import NIOCore
import NIOHTTP1
import NIOSSL

/// A client for one Spinnaker Gate, over AsyncHTTPClient. Key material is read from PEM text held in
/// memory (no temporary files). Connect timeout 5 s, request timeout 30 s. Path segments are
/// percent-encoded. Answers are parsed tolerantly (`JSONValue`); errors are `GateError`s written for
/// a person.
public final class GateClient: Sendable {
    public let baseURL: URL
    private let credentials: GateCredentials
    private let http: HTTPClient
    private let requestTimeout: TimeAmount

    public init(baseURL: URL, credentials: GateCredentials, connectTimeout: TimeAmount = .seconds(5),
                requestTimeout: TimeAmount = .seconds(30)) throws(GateError) {
        self.baseURL = baseURL
        self.credentials = credentials
        self.requestTimeout = requestTimeout
        var tls = TLSConfiguration.makeClientConfiguration()
        if credentials.method == .x509 {
            let (chain, key) = try Self.clientIdentity(credentials)
            tls.certificateChain = chain.map { .certificate($0) }
            tls.privateKey = .privateKey(key)
        }
        if let ca = credentials.caBundlePEM, !ca.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            do {
                let roots = try NIOSSLCertificate.fromPEMBytes(Array(ca.utf8))
                guard !roots.isEmpty else { throw GateError.invalidPEM(field: "caBundlePem", reason: "no certificate in it") }
                tls.trustRoots = .certificates(roots)
            } catch let error as GateError {
                throw error
            } catch {
                throw .invalidPEM(field: "caBundlePem", reason: "it does not parse as certificates")
            }
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                                     timeout: .init(connect: connectTimeout, read: requestTimeout))
        configuration.httpVersion = .http1Only
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Releases the connection pool. Call once the client is replaced or the connection is removed.
    public func shutdown() async {
        try? await http.shutdown()
    }

    static func clientIdentity(_ credentials: GateCredentials) throws(GateError) -> ([NIOSSLCertificate], NIOSSLPrivateKey) {
        let certificatePEM = credentials.certificatePEM ?? ""
        let keyPEM = credentials.privateKeyPEM ?? ""
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
        } catch {
            throw .invalidPEM(field: "certificatePem", reason: "it does not parse as a certificate")
        }
        guard !chain.isEmpty else { throw .invalidPEM(field: "certificatePem", reason: "no certificate in it") }
        if keyPEM.contains("ENCRYPTED PRIVATE KEY") || keyPEM.contains("Proc-Type: 4,ENCRYPTED") {
            throw .encryptedPrivateKey
        }
        guard keyPEM.contains("-----BEGIN") && keyPEM.contains("PRIVATE KEY-----") else {
            throw .invalidPEM(field: "privateKeyPem", reason: "expected a PEM private key (PKCS#8, PKCS#1 or SEC1)")
        }
        do {
            // BoringSSL reads PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY").
            return (chain, try NIOSSLPrivateKey(bytes: Array(keyPEM.utf8), format: .pem))
        } catch {
            throw .invalidPEM(field: "privateKeyPem", reason: "it does not parse as a private key")
        }
    }

    // MARK: - Typed calls

    /// `GET /credentials`: the accounts Gate knows (used to validate a connection).
    public func credentialsList() async throws(GateError) -> [JSONValue] {
        try await getArray(["credentials"], query: [("expand", "false")])
    }

    /// `GET /applications`.
    public func applications() async throws(GateError) -> [JSONValue] {
        try await getArray(["applications"])
    }

    /// `GET /applications/{app}/pipelines`: executions, newest first.
    public func executions(application: String, limit: Int = 25, statuses: [ExecutionStatus] = [], expand: Bool = false)
        async throws(GateError) -> [JSONValue] {
        var query = [("limit", String(limit)), ("expand", String(expand))]
        if !statuses.isEmpty { query.append(("statuses", statuses.map(\.rawValue).joined(separator: ","))) }
        return try await getArray(["applications", application, "pipelines"], query: query)
    }

    /// `GET /pipelines/{id}`: one execution, expanded.
    public func execution(id: String) async throws(GateError) -> JSONValue {
        try await get(["pipelines", id])
    }

    /// `GET /applications/{app}/pipelineConfigs`.
    public func pipelineConfigs(application: String) async throws(GateError) -> [JSONValue] {
        try await getArray(["applications", application, "pipelineConfigs"])
    }

    /// `GET /applications/{app}/clusters`: `{account: [cluster names]}`.
    public func clusters(application: String) async throws(GateError) -> JSONValue {
        try await get(["applications", application, "clusters"])
    }

    /// `GET /applications/{app}/serverGroups`: server groups with `instanceCounts`.
    public func serverGroups(application: String, expand: Bool = false) async throws(GateError) -> [JSONValue] {
        try await getArray(["applications", application, "serverGroups"], query: [("expand", String(expand))])
    }

    /// `POST /pipelines/{app}/{pipelineNameOrId}`: starts a pipeline; Gate answers 202 `{"ref": "/pipelines/<id>"}`.
    public func triggerPipeline(application: String, pipeline: String, trigger: JSONValue) async throws(GateError) -> String {
        let answer = try await send(.POST, ["pipelines", application, pipeline], body: trigger)
        guard let ref = answer["ref"]?.nonEmptyString else { throw .notJSON }
        return ref
    }

    /// `POST /tasks`: submits an ad-hoc orchestration (e.g. Deck's rollbackServerGroup); `{"ref": "/tasks/<id>"}`.
    public func submitTask(_ task: JSONValue) async throws(GateError) -> String {
        let answer = try await send(.POST, ["tasks"], body: task)
        guard let ref = answer["ref"]?.nonEmptyString else { throw .notJSON }
        return ref
    }

    /// `GET /tasks/{id}`.
    public func task(id: String) async throws(GateError) -> JSONValue {
        try await get(["tasks", id])
    }

    /// `PUT /pipelines/{id}/cancel`.
    public func cancelExecution(id: String, reason: String?) async throws(GateError) {
        var query: [(String, String)] = []
        if let reason { query.append(("reason", reason)) }
        _ = try await send(.PUT, ["pipelines", id, "cancel"], query: query, body: nil, allowEmpty: true)
    }

    // MARK: - HTTP

    public func get(_ path: [String], query: [(String, String)] = []) async throws(GateError) -> JSONValue {
        try await send(.GET, path, query: query, body: nil)
    }

    func getArray(_ path: [String], query: [(String, String)] = []) async throws(GateError) -> [JSONValue] {
        let value = try await get(path, query: query)
        guard let items = value.arrayValue else { throw .notJSON }
        return items
    }

    /// The URL for path segments (each percent-encoded) and query items.
    public func url(_ path: [String], query: [(String, String)] = []) -> String {
        var text = baseURL.absoluteString
        for segment in path { text += "/" + Self.encodeSegment(segment) }
        if !query.isEmpty {
            text += "?" + query.map { "\(Self.encodeSegment($0.0))=\(Self.encodeSegment($0.1))" }.joined(separator: "&")
        }
        return text
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters, so `/`, `?`, `#`, `..` in an
    /// application or pipeline name cannot change the request's path.
    public static func encodeSegment(_ segment: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let encoded = segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
        return encoded == "." || encoded == ".." ? encoded.replacingOccurrences(of: ".", with: "%2E") : encoded
    }

    private func send(_ method: HTTPMethod, _ path: [String], query: [(String, String)] = [], body: JSONValue?,
                      allowEmpty: Bool = false) async throws(GateError) -> JSONValue {
        let what = "\(method.rawValue) /\(path.first ?? "")"
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "lookout")
        if let authorization = credentials.authorizationHeader { request.headers.add(name: "Authorization", value: authorization) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: (try? body.serialized()) ?? Data("{}".utf8)))
        }
        let status: Int
        let bytes: ByteBuffer
        do {
            let response = try await http.execute(request, timeout: requestTimeout)
            status = Int(response.status.code)
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw Self.classify(error, host: baseURL.host ?? "")
        }
        let text = String(buffer: bytes)
        switch status {
        case 200..<300:
            if bytes.readableBytes == 0 && allowEmpty { return .null }
            do {
                return try JSONValue.parse(Data(bytes.readableBytesView))
            } catch {
                if allowEmpty { return .null }
                throw .notJSON
            }
        case 401:
            throw .invalidCredentials
        case 403:
            throw .forbidden
        case 400 where text.contains("No required SSL certificate was sent"):
            throw .clientCertificateMissing
        case 400 where text.contains("The SSL certificate error"):
            throw .clientCertificateRejected("the proxy in front of Gate did not accept it")
        case 404:
            throw .notFound(what)
        case 302, 303:
            // Gate's form login redirects unauthenticated requests to /login.
            throw .invalidCredentials
        default:
            throw .httpStatus(status, what)
        }
    }

    /// Names a transport failure: TLS problems by kind, everything else as unreachable or timed out.
    static func classify(_ error: any Error, host: String) -> GateError {
        if let error = error as? GateError { return error }
        if let extra = error as? NIOSSLExtraError, extra == .failedToValidateHostname {
            return .tlsHostnameMismatch(host: host)
        }
        let text = String(describing: error)
        if text.contains("failedToValidateHostname") || text.contains("hostname") && text.contains("match") {
            return .tlsHostnameMismatch(host: host)
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return .serverCertificateUntrusted("certificate verify failed")
        }
        if text.contains("ALERT_CERTIFICATE_REQUIRED") || text.contains("CERTIFICATE_REQUIRED") {
            return .clientCertificateMissing
        }
        if text.contains("ALERT_BAD_CERTIFICATE") || text.contains("ALERT_UNKNOWN_CA") || text.contains("ALERT_HANDSHAKE_FAILURE")
            || text.contains("ALERT_CERTIFICATE_UNKNOWN") || text.contains("ALERT_ACCESS_DENIED") {
            return .clientCertificateRejected("the TLS handshake was refused")
        }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("handshakeFailed") || text.contains("NIOSSL") {
            return .tlsFailure(text.contains("WRONG_VERSION_NUMBER") ? "the server does not speak TLS on this port" : "handshake failed")
        }
        if let client = error as? HTTPClientError {
            if client == .deadlineExceeded || client == .readTimeout { return .timedOut(seconds: 30) }
            if client == .connectTimeout { return .unreachable("connection timed out") }
        }
        if text.contains("connectTimeout") { return .unreachable("connection timed out") }
        if text.contains("refused") || text.contains("ECONNREFUSED") { return .unreachable("connection refused") }
        if text.contains("resolve") || text.contains("DNS") || text.contains("getaddrinfo") { return .unreachable("host name not found") }
        return .unreachable("network error")
    }
}
