public import Foundation

/// Real components that integration tests start (nginx, openssl) or are given (OpenBao, PostgreSQL).
/// `./scripts/test.sh` sets `LOOKOUT_REQUIRE_COMPONENTS=1`, so a missing component fails the run there;
/// a bare `swift test` on a machine without them reports the test as skipped instead.
public enum Components {
    public static var required: Bool { ProcessInfo.processInfo.environment["LOOKOUT_REQUIRE_COMPONENTS"] == "1" }

    /// The path of an executable on PATH.
    public static func which(_ name: String) -> String? {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            for candidate in ["\(directory)/\(name)", "/usr/sbin/\(name)"] where FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    public static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs a command to completion; throws with its output when it fails.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ComponentError.failed("\(executable) \(arguments.joined(separator: " ")): \(output)")
        }
        return output
    }

    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0 else { throw ComponentError.failed("no free port") }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Waits until something accepts TCP connections on 127.0.0.1:port.
    public static func waitForPort(_ port: Int, host: String = "127.0.0.1", timeout: Duration = .seconds(15)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = UInt16(port).bigEndian
            address.sin_addr.s_addr = inet_addr(host)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            close(fd)
            if connected == 0 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ComponentError.failed("nothing listens on \(host):\(port)")
    }
}

public enum ComponentError: Error, CustomStringConvertible {
    case failed(String)
    case missing(String)

    public var description: String {
        switch self {
        case .failed(let what): return what
        case .missing(let what): return "\(what) is not available"
        }
    }
}

/// A CA, a server certificate for localhost/127.0.0.1, client certificates in PKCS#8, PKCS#1 and SEC1
/// form, an encrypted key, and a client certificate from another CA — made with openssl.
public struct TestCertificates: Sendable {
    public let directory: URL

    public func pem(_ name: String) throws -> String {
        try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
    }

    public static func make() throws -> TestCertificates {
        guard let openssl = Components.which("openssl") else { throw ComponentError.missing("openssl") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-certs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        func run(_ arguments: [String]) throws { try Components.run(openssl, arguments, in: directory) }
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(to: directory.appendingPathComponent("server.ext"), atomically: true, encoding: .utf8)
        try "extendedKeyUsage=clientAuth\n".write(to: directory.appendingPathComponent("client.ext"), atomically: true, encoding: .utf8)
        for ca in ["ca", "other-ca"] {
            try run(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "\(ca).key", "-out", "\(ca).crt", "-days", "2",
                     "-subj", "/CN=Lookout test \(ca)"])
        }
        func sign(_ name: String, ca: String, ext: String, key: [String]) throws {
            try run(["req", "-new", "-nodes"] + key + ["-keyout", "\(name).key", "-out", "\(name).csr", "-subj", "/CN=\(name)"])
            try run(["x509", "-req", "-in", "\(name).csr", "-CA", "\(ca).crt", "-CAkey", "\(ca).key", "-CAcreateserial",
                     "-out", "\(name).crt", "-days", "2", "-extfile", ext])
        }
        try sign("server", ca: "ca", ext: "server.ext", key: ["-newkey", "rsa:2048"])
        try sign("client", ca: "ca", ext: "client.ext", key: ["-newkey", "rsa:2048"])            // PKCS#8
        try sign("client-ec", ca: "ca", ext: "client.ext", key: ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"])
        try sign("stranger", ca: "other-ca", ext: "client.ext", key: ["-newkey", "rsa:2048"])
        try run(["rsa", "-in", "client.key", "-traditional", "-out", "client-pkcs1.key"])           // PKCS#1
        try run(["ec", "-in", "client-ec.key", "-out", "client-ec-sec1.key"])                      // SEC1
        try run(["pkcs8", "-topk8", "-in", "client.key", "-v2", "aes256", "-passout", "pass:secret", "-out", "client-encrypted.key"])
        return TestCertificates(directory: directory)
    }
}

/// nginx in front of an upstream, requiring a client certificate (`ssl_verify_client on`) like
/// Gate's X.509 port. Listens on 127.0.0.1 and 127.0.0.2 (the second is not in the certificate).
public final class MutualTLSProxy: Sendable {
    public let port: Int
    let directory: URL
    let process: Process

    public init(upstreamPort: Int, certificates: TestCertificates) async throws {
        guard let nginx = Components.which("nginx") else { throw ComponentError.missing("nginx") }
        port = try Components.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("lookout-nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certs = certificates.directory.path
        let dir = directory.path
        let config = """
            worker_processes 1;
            daemon off;
            pid \(dir)/nginx.pid;
            error_log \(dir)/error.log warn;
            events { worker_connections 128; }
            http {
              access_log off;
              client_body_temp_path \(dir); proxy_temp_path \(dir); fastcgi_temp_path \(dir); uwsgi_temp_path \(dir); scgi_temp_path \(dir);
              server {
                listen 127.0.0.1:\(port) ssl;
                listen 127.0.0.2:\(port) ssl;
                ssl_certificate \(certs)/server.crt;
                ssl_certificate_key \(certs)/server.key;
                ssl_client_certificate \(certs)/ca.crt;
                ssl_verify_client on;
                location / { proxy_pass http://127.0.0.1:\(upstreamPort); }
              }
            }
            """
        try config.write(to: directory.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
        process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-p", dir, "-c", "\(dir)/nginx.conf", "-e", "\(dir)/error.log"]
        try process.run()
        try await Components.waitForPort(port)
    }

    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGQUIT)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: directory)
    }
}
