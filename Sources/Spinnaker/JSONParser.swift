import Foundation

/// A JSON parser straight from UTF-8 bytes to `JSONValue`. Foundation's `JSONSerialization` on Linux
/// bridges every container through `NSDictionary`/`NSArray`, which made parsing an 85 KB Orca
/// execution the most expensive step of ingestion; this parser does no bridging and no per-value
/// error throwing. Nesting is limited so that hostile input cannot exhaust the stack.
struct JSONParser {
    struct Failure: Error {}

    static let maxDepth = 512

    static func parse(_ data: Data, shape: JSONShape = .everything) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            var parser = JSONParser(bytes: raw.bindMemory(to: UInt8.self))
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0, shape: shape)
            parser.skipWhitespace()
            guard parser.index == parser.bytes.count else { throw Failure() }
            return value
        }
    }

    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int, shape: JSONShape) throws -> JSONValue {
        guard index < bytes.count, depth < Self.maxDepth else { throw Failure() }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1, shape: shape)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1, shape: shape)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        default: return .number(try parseNumber())
        }
    }

    mutating func expect(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw Failure() }
        let start = word.utf8Start
        for i in 0..<count where bytes[index + i] != start[i] { throw Failure() }
        index += count
    }

    mutating func parseObject(depth: Int, shape: JSONShape) throws -> JSONValue {
        index += 1
        var members: [String: JSONValue] = [:]
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Failure() }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Failure() }
            index += 1
            skipWhitespace()
            if let child = shape.member(key) {
                members[key] = try parseValue(depth: depth, shape: child)
            } else {
                try skipValue(depth: depth)
            }
            skipWhitespace()
            guard index < bytes.count else { throw Failure() }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            throw Failure()
        }
    }

    mutating func parseArray(depth: Int, shape: JSONShape) throws -> JSONValue {
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try parseValue(depth: depth, shape: shape.element))
            skipWhitespace()
            guard index < bytes.count else { throw Failure() }
            if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
            if bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            throw Failure()
        }
    }

    mutating func parseString() throws -> String {
        index += 1
        let start = index
        // Fast path: no escapes.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw Failure() }
            index += 1
        }
        var scalars = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: scalars, as: UTF8.self)
            }
            if byte < 0x20 { throw Failure() }
            if byte != UInt8(ascii: "\\") {
                scalars.append(byte)
                index += 1
                continue
            }
            index += 1
            guard index < bytes.count else { throw Failure() }
            let escaped = bytes[index]
            index += 1
            switch escaped {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(escaped)
            case UInt8(ascii: "b"): scalars.append(0x08)
            case UInt8(ascii: "f"): scalars.append(0x0C)
            case UInt8(ascii: "n"): scalars.append(0x0A)
            case UInt8(ascii: "r"): scalars.append(0x0D)
            case UInt8(ascii: "t"): scalars.append(0x09)
            case UInt8(ascii: "u"):
                var code = try parseHex4()
                if (0xD800...0xDBFF).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                   bytes[index + 1] == UInt8(ascii: "u") {
                    index += 2
                    let low = try parseHex4()
                    if (0xDC00...0xDFFF).contains(low) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        scalars.append(contentsOf: Array(String(Character(Unicode.Scalar(0xFFFD)!)).utf8))
                        code = low
                    }
                }
                let scalar = Unicode.Scalar(code) ?? Unicode.Scalar(0xFFFD)!
                scalars.append(contentsOf: Array(String(Character(scalar)).utf8))
            default:
                throw Failure()
            }
        }
        throw Failure()
    }

    /// Steps over one value without building it, checking that it is well-formed JSON.
    mutating func skipValue(depth: Int) throws {
        guard index < bytes.count, depth < Self.maxDepth else { throw Failure() }
        switch bytes[index] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[index] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            index += 1
            skipWhitespace()
            if index < bytes.count, bytes[index] == close { index += 1; return }
            while true {
                skipWhitespace()
                if isObject {
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw Failure() }
                    try skipString()
                    skipWhitespace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw Failure() }
                    index += 1
                    skipWhitespace()
                }
                try skipValue(depth: depth + 1)
                skipWhitespace()
                guard index < bytes.count else { throw Failure() }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                if bytes[index] == close { index += 1; return }
                throw Failure()
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "n"): try expect("null")
        default: _ = try parseNumber()
        }
    }

    /// Finds the closing quote with `memchr` (vectorised in libc); a quote preceded by an odd number
    /// of backslashes is escaped. Skipped strings are not checked for raw control characters.
    mutating func skipString() throws {
        index += 1
        guard let base = bytes.baseAddress else { throw Failure() }
        while index < bytes.count {
            guard let found = memchr(base + index, Int32(UInt8(ascii: "\"")), bytes.count - index) else { throw Failure() }
            let quote = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            var backslashes = 0
            while quote - backslashes - 1 >= index, bytes[quote - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            index = quote + 1
            if backslashes % 2 == 0 { return }
        }
        throw Failure()
    }

    mutating func parseHex4() throws -> UInt32 {
        guard index + 4 <= bytes.count else { throw Failure() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw Failure()
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    mutating func parseNumber() throws -> Double {
        let start = index
        var isInteger = true
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let digitsStart = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                index += 1
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
                        || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") {
                isInteger = false
                index += 1
            } else {
                break
            }
        }
        guard index > digitsStart else { throw Failure() }
        if isInteger && index - digitsStart <= 15 {
            var value: Int64 = 0
            for i in digitsStart..<index { value = value * 10 + Int64(bytes[i] - UInt8(ascii: "0")) }
            return Double(bytes[start] == UInt8(ascii: "-") ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw Failure() }
        return value
    }
}

/// Which parts of a document to build. Parts left out are still checked for well-formedness but cost
/// no allocation. Used on the ingest path, where only the fields of an execution that the timeline
/// needs are built (the raw body is stored whole for later analysis). Where the document does not
/// have the expected kind of value, everything below is built.
public indirect enum JSONShape: Sendable {
    /// Builds everything below.
    case everything
    /// Objects: the named members with their shapes; others with `others`, or left out when nil.
    case object(members: [String: JSONShape], others: JSONShape?)
    /// Arrays whose elements have this shape.
    case array(JSONShape)

    /// Objects keep only the named members.
    public static func only(_ members: [String: JSONShape]) -> JSONShape { .object(members: members, others: nil) }

    /// Objects keep every member; the named ones get their own shapes.
    public static func all(except members: [String: JSONShape]) -> JSONShape { .object(members: members, others: .everything) }

    func member(_ key: String) -> JSONShape? {
        switch self {
        case .everything, .array: return .everything
        case .object(let members, let others): return members[key] ?? others
        }
    }

    var element: JSONShape {
        if case .array(let shape) = self { return shape }
        return .everything
    }
}

/// Writes `JSONValue` as compact JSON with sorted keys.
struct JSONWriter {
    var output: [UInt8] = []

    mutating func write(_ value: JSONValue) {
        switch value {
        case .null: output.append(contentsOf: Array("null".utf8))
        case .bool(let b): output.append(contentsOf: Array((b ? "true" : "false").utf8))
        case .number(let n):
            if n.rounded() == n && abs(n) < 9.0e15 {
                output.append(contentsOf: Array(String(Int64(n)).utf8))
            } else {
                output.append(contentsOf: Array("\(n)".utf8))
            }
        case .string(let s): writeString(s)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                write(item)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (i, key) in members.keys.sorted().enumerated() {
                if i > 0 { output.append(UInt8(ascii: ",")) }
                writeString(key)
                output.append(UInt8(ascii: ":"))
                write(members[key]!)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    mutating func writeString(_ s: String) {
        output.append(UInt8(ascii: "\""))
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
