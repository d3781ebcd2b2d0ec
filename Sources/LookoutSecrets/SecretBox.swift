public import Foundation
import Crypto

/// Seals short secrets (webhook tokens, Gate credentials) with AES-256-GCM under the master key, so
/// the database holds only ciphertext. The key comes from `LOOKOUT_MASTER_KEY` (base64, 32 bytes) or
/// from a key file created once with mode 0600 in the data directory. Key material stays in memory.
public struct SecretBox: Sendable {
    /// Raw key bytes; `SymmetricKey` is made per use because it is not `Sendable`.
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(keyBytes: Data) throws(SecretsError) {
        guard keyBytes.count == 32 else { throw .invalidMasterKey("it must be 32 bytes, got \(keyBytes.count)") }
        self.keyBytes = keyBytes
    }

    /// `LOOKOUT_MASTER_KEY` when given, else the key file in `dataDirectory` (created if missing).
    public static func load(masterKeyBase64: String?, dataDirectory: String) throws(SecretsError) -> SecretBox {
        if let masterKeyBase64 {
            guard let bytes = Data(base64Encoded: masterKeyBase64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .invalidMasterKey("LOOKOUT_MASTER_KEY is not base64")
            }
            return try SecretBox(keyBytes: bytes)
        }
        let path = (dataDirectory as NSString).appendingPathComponent("master.key")
        let manager = FileManager.default
        if let existing = manager.contents(atPath: path) {
            guard let bytes = Data(base64Encoded: String(decoding: existing, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines))
            else { throw .invalidMasterKey("\(path) does not hold a base64 key") }
            return try SecretBox(keyBytes: bytes)
        }
        let fresh = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        let text = Data(fresh.base64EncodedString().utf8)
        guard manager.createFile(atPath: path, contents: text, attributes: [.posixPermissions: 0o600]) else {
            throw .keyFileUnwritable(path)
        }
        return try SecretBox(keyBytes: fresh)
    }

    /// Base64 of nonce ‖ ciphertext ‖ tag.
    public func seal(_ plaintext: String) throws(SecretsError) -> String {
        do {
            let box = try AES.GCM.seal(Data(plaintext.utf8), using: key)
            guard let combined = box.combined else { throw SecretsError.cryptoFailure }
            return combined.base64EncodedString()
        } catch {
            throw .cryptoFailure
        }
    }

    public func open(_ sealed: String) throws(SecretsError) -> String {
        do {
            guard let data = Data(base64Encoded: sealed) else { throw SecretsError.cryptoFailure }
            let box = try AES.GCM.SealedBox(combined: data)
            return String(decoding: try AES.GCM.open(box, using: key), as: UTF8.self)
        } catch {
            throw .cryptoFailure
        }
    }
}

public enum SecretsError: Error, CustomStringConvertible {
    case invalidMasterKey(String)
    case keyFileUnwritable(String)
    case cryptoFailure
    case vault(String)

    public var description: String {
        switch self {
        case .invalidMasterKey(let why): return "Invalid master key: \(why)."
        case .keyFileUnwritable(let path): return "Cannot create the master key file \(path)."
        case .cryptoFailure: return "A stored secret could not be decrypted (wrong master key or damaged data)."
        case .vault(let what): return "\(what)."
        }
    }
}
