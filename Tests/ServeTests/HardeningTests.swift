import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import TestSupport
import Testing

@testable import Serve

#if canImport(Glibc)
    import Glibc
#endif

/// Defects found by trying the server as an attacker would; each test failed before its fix.
struct HardeningTests {
    func app(token: String? = nil) throws -> RecsysApplication {
        var c = try ServeConfiguration.forTests()
        c.adminToken = token
        return try buildApplication(c)
    }

    func errorCode(_ buffer: ByteBuffer) -> String? {
        let body = (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any]
        return (body?["error"] as? [String: Any])?["code"] as? String
    }

    /// A body over a route's limit was a 500 (`NIOTooManyBytesError` logged as unexpected).
    @Test func aBodyOverTheLimitIs413() async throws {
        let big = "{\"user_id\": 1, \"pad\": \"" + String(repeating: "x", count: 70_000) + "\"}"
        try await app().test(.router) { client in
            try await client.execute(uri: "/api/v1/recs/predict", method: .post, body: ByteBuffer(string: big)) { r in
                #expect(r.status == .contentTooLarge)
                #expect(errorCode(r.body) == "body_too_large")
            }
        }
    }

    /// predict took a 19-digit id that /recommend refuses: one rule for both.
    @Test func predictAndRecommendShareTheUserIDRule() async throws {
        let id = "1234567890123456789"
        try await app().test(.router) { client in
            try await client.execute(
                uri: "/api/v1/recs/predict", method: .post, body: ByteBuffer(string: "{\"user_id\": \(id)}")
            ) { r in
                #expect(r.status == .badRequest)
                #expect(errorCode(r.body) == "invalid_user_id")
            }
            try await client.execute(uri: "/recommend/\(id)", method: .get) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(
                uri: "/api/v1/recs/predict", method: .post,
                body: ByteBuffer(string: "{\"user_id\": 999999999999999999}")
            ) { r in #expect(r.status == .ok) }
        }
    }

    /// Task ids made of '-' were taken as ids (404): they are not UUIDs (400).
    @Test func taskIDsMustBeUUIDs() async throws {
        let auth: HTTPFields = [.authorization: "Bearer t0ken"]
        try await app(token: "t0ken").test(.router) { client in
            for bad in ["-----", "abc", "0000000000000000000000000000000000000000"] {
                try await client.execute(uri: "/api/v1/recs/status/\(bad)", method: .get, headers: auth) { r in
                    #expect(r.status == .badRequest, "\(bad)")
                    #expect(errorCode(r.body) == "invalid_task_id")
                }
            }
            try await client.execute(
                uri: "/api/v1/recs/status/\(UUID().uuidString.lowercased())", method: .get, headers: auth
            ) { r in #expect(r.status == .notFound) }
        }
    }

    /// A state folder that cannot be written was a 409 "already running (task
    /// unknown)" with nothing logged; and errors echoed server paths.
    @Test func anUnusableStateFolderIs503WithoutPaths() async throws {
        let file = TestModel.folder + "/not-a-folder-\(UUID().uuidString)"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        var c = try ServeConfiguration.forTests()
        c.adminToken = "t0ken"
        c.stateFolder = file + "/state"
        try await buildApplication(c).test(.router) { client in
            try await client.execute(
                uri: "/api/v1/recs/train", method: .post, headers: [.authorization: "Bearer t0ken"]
            ) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(errorCode(r.body) == "state_unavailable")
                #expect(!String(buffer: r.body).contains(file), "the answer names a server path")
            }
        }
    }

    /// Connections that sent half a request were held for minutes (20,000 of
    /// them grew RSS by 250 MB): an idle connection is now closed.
    @Test func aHalfSentRequestIsClosedAfterTheIdleTimeout() async throws {
        var c = try ServeConfiguration.forTests()
        c.idleTimeoutSeconds = 1
        c.port = 0
        try await buildApplication(c).test(.live) { client in
            let port = try #require(client.port)
            let started = Date()
            let closed = try await RawHTTP.onThread { try HalfRequest.sendAndWaitForClose(port: port, seconds: 10) }
            #expect(closed, "the server kept a half-sent request open for 10 s")
            #expect(Date().timeIntervalSince(started) < 8)
            // And the server still answers a new connection (the test client's own idled out too).
            let answer = try await RawHTTP.onThread { try HalfRequest.fullRequest(port: port) }
            #expect(answer.hasPrefix("HTTP/1.1 200"))
        }
    }
}

/// A raw TCP client that sends the start of a request and never finishes it.
enum HalfRequest {
    /// Whether the server closed the connection within `seconds`.
    static func sendAndWaitForClose(port: Int, seconds: Int) throws -> Bool {
        let fd = try connected(port: port)
        defer { close(fd) }
        let partial = Array("GET /health HTTP/1.1\r\nHost: x\r\n".utf8)
        _ = partial.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n == 0 { return true }  // closed by the server
            if n < 0 { return errno == ECONNRESET }  // timed out (EAGAIN) means still open
        }
    }

    /// A whole `GET /health` on a new connection; the response's first bytes.
    static func fullRequest(port: Int) throws -> String {
        let fd = try connected(port: port)
        defer { close(fd) }
        let request = Array("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self) : ""
    }

    static func connected(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
        return fd
    }
}
