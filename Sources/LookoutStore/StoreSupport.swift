import Foundation
import LookoutCore
import Logging

func nowMillis() -> Int64 { EpochMillis.now() }

func newIdentifier() -> String { UUID().uuidString.lowercased() }

let jsonEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return encoder
}()

func encodeJSON(_ value: some Encodable) throws -> String {
    String(decoding: try jsonEncoder.encode(value), as: UTF8.self)
}

func decodeJSON<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
    try JSONDecoder().decode(type, from: Data(text.utf8))
}

/// Problems a store reports to its callers.
public enum StoreError: Error, CustomStringConvertible, Equatable {
    case notFound(String)
    case conflict(String)
    case invalid(String)

    public var description: String {
        switch self {
        case .notFound(let what): return "\(what) not found"
        case .conflict(let what): return what
        case .invalid(let what): return what
        }
    }
}
