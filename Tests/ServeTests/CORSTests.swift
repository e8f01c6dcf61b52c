import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Serve

/// `--cors-origins`: shop pages on the allowed origins may call the API from the browser; others get no CORS
/// headers (the browser refuses), and with the default (off) nothing changes.
struct CORSTests {
    let shop = "https://shop.example"

    func app(_ cors: CORSPolicy) throws -> some ApplicationProtocol {
        var c = try ServeConfiguration.forTests()
        c.cors = cors
        return try buildApplication(c)
    }

    @Test func policiesParse() throws {
        #expect(try CORSPolicy(parsing: "*") == .anyOrigin)
        #expect(
            try CORSPolicy(parsing: " https://Shop.example , http://localhost:3000")
                == .origins(["https://shop.example", "http://localhost:3000"]))
    }

    @Test(arguments: [
        "", "shop.example", "https://shop.example/", "https://shop.example/widgets", "*,https://a.b",
        "ftp://shop.example", "https://shop.example:99999", "https://user@shop.example",
    ])
    func badPoliciesAreRefusedNamingTheEntry(text: String) {
        #expect(throws: CORSPolicyError.self) { try CORSPolicy(parsing: text) }
    }

    @Test func anAllowedOriginGetsPreflightAndHeadersEvenOnErrors() async throws {
        try await app(.origins([shop])).test(.router) { client in
            try await client.execute(
                uri: "/api/v1/events", method: .options,
                headers: [.origin: shop, .accessControlRequestMethod: "POST"]
            ) { r in
                #expect(r.status == .noContent)
                #expect(r.headers[.accessControlAllowOrigin] == shop)
                #expect(r.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(r.headers[.accessControlAllowHeaders]?.lowercased().contains("idempotency-key") == true)
                #expect(r.headers[.vary] == "Origin")
            }
            try await client.execute(uri: "/recommend/8283?n=3", method: .get, headers: [.origin: shop]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.accessControlAllowOrigin] == shop)
            }
            // A 400 must reach the page too, or its script cannot read why.
            try await client.execute(uri: "/recommend/8283?n=0", method: .get, headers: [.origin: shop]) { r in
                #expect(r.status == .badRequest)
                #expect(r.headers[.accessControlAllowOrigin] == shop)
            }
        }
    }

    @Test func anotherOriginGetsNoCORSHeaders() async throws {
        try await app(.origins([shop])).test(.router) { client in
            try await client.execute(
                uri: "/recommend/8283", method: .get, headers: [.origin: "https://elsewhere.example"]
            ) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.accessControlAllowOrigin] == nil)
                #expect(r.headers[.vary] == "Origin")
            }
            try await client.execute(
                uri: "/recommend/8283", method: .options,
                headers: [.origin: "https://elsewhere.example", .accessControlRequestMethod: "GET"]
            ) { r in
                #expect(r.status != .noContent)
                #expect(r.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func anyOriginAnswersAStarAndOffAnswersNothing() async throws {
        try await app(.anyOrigin).test(.router) { client in
            try await client.execute(uri: "/health", method: .get, headers: [.origin: "https://a.example"]) { r in
                #expect(r.headers[.accessControlAllowOrigin] == "*")
            }
        }
        try await app(.off).test(.router) { client in
            try await client.execute(uri: "/health", method: .get, headers: [.origin: shop]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }
}
