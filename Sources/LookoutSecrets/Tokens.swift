import Foundation
import Crypto

/// Random bearer secrets and how they are stored: only a SHA-256 digest is kept for lookup.
public enum Tokens {
    /// `prefix_` + 43 characters of base64url: 256 random bits.
    public static func generate(prefix: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
        return "\(prefix)_\(text)"
    }

    /// Hex SHA-256. Tokens have 256 bits of entropy, so an unsalted digest is enough; lookups go
    /// by digest, so nothing compares a secret byte by byte.
    public static func digest(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

}
