/// What went wrong talking to Gate, in words for the person who configured the connection. Never
/// contains a credential.
public enum GateError: Error, Equatable, CustomStringConvertible {
    case invalidURL(String)
    case urlNotAllowed(String)
    case unreachable(String)
    case timedOut(seconds: Int)
    case invalidCredentials
    case forbidden
    case tlsHostnameMismatch(host: String)
    case serverCertificateUntrusted(String)
    case clientCertificateMissing
    case clientCertificateRejected(String)
    case tlsFailure(String)
    case invalidPEM(field: String, reason: String)
    case encryptedPrivateKey
    case notFound(String)
    case httpStatus(Int, String)
    case notJSON

    public var description: String {
        switch self {
        case .invalidURL(let why): return "Invalid Gate URL: \(why)."
        case .urlNotAllowed(let why): return "Gate URL not allowed: \(why)."
        case .unreachable(let detail): return "Unable to reach Spinnaker Gate API (\(detail))."
        case .timedOut(let seconds): return "Unable to reach Spinnaker Gate API: no answer within \(seconds) s."
        case .invalidCredentials: return "Invalid or expired credentials: Gate answered 401."
        case .forbidden: return "Gate answered 403: the credentials are valid but not allowed to do this."
        case .tlsHostnameMismatch(let host): return "TLS certificate does not match host \(host)."
        case .serverCertificateUntrusted(let detail): return "Gate's TLS certificate is not trusted (\(detail)); add its CA bundle."
        case .clientCertificateMissing: return "Client certificate rejected: Gate (or its proxy) required one and none was sent."
        case .clientCertificateRejected(let detail): return "Client certificate rejected (\(detail))."
        case .tlsFailure(let detail): return "TLS handshake with Gate failed (\(detail))."
        case .invalidPEM(let field, let reason): return "\(field) is not usable PEM: \(reason)."
        case .encryptedPrivateKey: return "The private key is encrypted; provide it decrypted (PKCS#8, PKCS#1 or SEC1 PEM)."
        case .notFound(let what): return "Gate answered 404 for \(what)."
        case .httpStatus(let code, let what): return "Gate answered HTTP \(code) for \(what)."
        case .notJSON: return "Not JSON from Gate."
        }
    }
}
