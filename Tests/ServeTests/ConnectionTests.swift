import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Serve

#if canImport(Glibc)
    import Glibc
#endif

/// HTTP framing and connection handling over a real socket (project issue 20);
/// each test failed before its fix.
struct ConnectionTests {
    func live(idleTimeout: Double = 60, bodyTimeout: Double = 30, _ body: @Sendable (Int) async throws -> Void)
        async throws
    {
        var c = try ServeConfiguration.forTests()
        c.port = 0
        c.idleTimeoutSeconds = idleTimeout
        c.bodyTimeoutSeconds = bodyTimeout
        try await buildApplication(c).test(.live) { client in
            let port = try #require(client.port)
            try await body(port)
        }
    }

    static let chunkedPredict =
        "POST /api/v1/recs/predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"

    /// A chunk size that is not hex was a 500 (the parser's error reached the route as unexpected).
    @Test func aBadChunkSizeIs400() async throws {
        try await live { port in
            let exchange = try await RawHTTP.exchange(port: port, Self.chunkedPredict + "zz\r\n{}\r\n0\r\n\r\n")
            #expect(exchange.response.hasPrefix("HTTP/1.1 400"), "\(exchange.response)")
            #expect(exchange.response.contains("\"malformed_body\""))
            #expect(exchange.closed, "the connection stays open after a broken body")
        }
    }

    /// A chunked body cut short by the client's half-close was a 500.
    @Test func aBodyCutShortIs400() async throws {
        try await live { port in
            let exchange = try await RawHTTP.exchange(
                port: port, Self.chunkedPredict + "10\r\n{\"user_id\"", shutdownWrite: true)
            #expect(exchange.response.hasPrefix("HTTP/1.1 400"), "\(exchange.response)")
            #expect(exchange.response.contains("\"malformed_body\""))
        }
    }

    /// A chunked body that stops arriving was a 500 written to a closed
    /// socket at the idle timeout: now a 408 after the body timeout.
    @Test func aStalledBodyIs408() async throws {
        // The idle timeout is far off: an answer at all (not a silent close) is the 408's doing.
        try await live(idleTimeout: 30, bodyTimeout: 1) { port in
            let exchange = try await RawHTTP.exchange(
                port: port, Self.chunkedPredict + "10\r\n{\"user_id\"", seconds: 20)
            #expect(exchange.response.hasPrefix("HTTP/1.1 408"), "\(exchange.response)")
            #expect(exchange.response.contains("\"body_timeout\""))
            #expect(exchange.closed)
        }
    }

    /// `HTTP/1.0` without keep-alive was answered and then held open.
    @Test func http10WithoutKeepAliveIsClosedAfterTheAnswer() async throws {
        try await live { port in
            let started = Date()
            let exchange = try await RawHTTP.exchange(port: port, "GET /health HTTP/1.0\r\n\r\n", seconds: 1)
            #expect(exchange.response.hasPrefix("HTTP/1.1 200"), "\(exchange.response)")
            #expect(exchange.response.lowercased().contains("connection: close"))
            #expect(exchange.closed, "the server kept an HTTP/1.0 connection open for a second")
            #expect(Date().timeIntervalSince(started) < 1)
            // Any spelling of `Connection: close` on HTTP/1.1 too.
            let shouted = try await RawHTTP.exchange(
                port: port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: Close\r\n\r\n", seconds: 1)
            #expect(shouted.closed)
        }
    }

    /// `HTTP/1.0` with keep-alive keeps the connection for another request.
    @Test func http10WithKeepAliveStaysOpen() async throws {
        try await live { port in
            let exchange = try await RawHTTP.exchange(
                port: port, "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", seconds: 1)
            #expect(exchange.response.hasPrefix("HTTP/1.1 200"), "\(exchange.response)")
            #expect(exchange.response.lowercased().contains("connection: keep-alive"))
            #expect(!exchange.closed)
        }
    }
}

/// A raw TCP exchange: send bytes, read until the server closes or `seconds` pass.
enum RawHTTP {
    struct Exchange: Sendable {
        var response: String
        /// Whether the server closed the connection (rather than the read timing out).
        var closed: Bool
    }

    /// Runs on a thread of its own: blocking reads on the concurrency pool (two
    /// threads on two cores) would starve the server under test.
    static func exchange(port: Int, _ request: String, shutdownWrite: Bool = false, seconds: Double = 5)
        async throws -> Exchange
    {
        try await onThread { try blockingExchange(port: port, request, shutdownWrite: shutdownWrite, seconds: seconds) }
    }

    /// Blocking socket work on a thread of its own, off the concurrency pool.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    static func blockingExchange(port: Int, _ request: String, shutdownWrite: Bool, seconds: Double) throws -> Exchange
    {
        let fd = try HalfRequest.connected(port: port)
        defer { close(fd) }
        let bytes = Array(request.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        if shutdownWrite { shutdown(fd, Int32(SHUT_WR)) }
        let deadline = Date().addingTimeInterval(seconds)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else { break }
            var timeout = timeval(tv_sec: Int(left), tv_usec: Int((left - left.rounded(.down)) * 1e6))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 {
                received += buffer.prefix(n)
            } else {
                let closed = n == 0 || errno == ECONNRESET
                return Exchange(response: String(decoding: received, as: UTF8.self), closed: closed)
            }
        }
        return Exchange(response: String(decoding: received, as: UTF8.self), closed: false)
    }
}
