import Candidates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pipeline
import TestSupport
import Testing

@testable import Serve

/// Every malformed request gets a 4xx JSON error naming the problem.
struct MalformedRequestTests {
    struct Case: CustomStringConvertible, Sendable {
        var method: HTTPRequest.Method = .get
        var uri: String
        var status: HTTPResponse.Status
        var code: String
        var description: String { "\(method) \(uri.prefix(60))" }
    }

    static let cases: [Case] = [
        Case(uri: "/recommend/abc", status: .badRequest, code: "invalid_user_id"),
        Case(uri: "/recommend/-5", status: .badRequest, code: "invalid_user_id"),
        Case(uri: "/recommend/12.5", status: .badRequest, code: "invalid_user_id"),
        Case(uri: "/recommend/1e5", status: .badRequest, code: "invalid_user_id"),
        Case(uri: "/recommend/99999999999999999999999", status: .badRequest, code: "invalid_user_id"),
        Case(uri: "/recommend/%20", status: .badRequest, code: "invalid_user_id"),
        Case(uri: "/recommend/" + String(repeating: "9", count: 5000), status: .badRequest, code: "invalid_user_id"),
        Case(uri: "/recommend/" + String(repeating: "x", count: 5000), status: .badRequest, code: "invalid_user_id"),
        Case(uri: "/recommend/1?n=0", status: .badRequest, code: "invalid_n"),
        Case(uri: "/recommend/1?n=-1", status: .badRequest, code: "invalid_n"),
        Case(uri: "/recommend/1?n=101", status: .badRequest, code: "invalid_n"),
        Case(uri: "/recommend/1?n=abc", status: .badRequest, code: "invalid_n"),
        Case(uri: "/recommend/1?n=", status: .badRequest, code: "invalid_n"),
        Case(uri: "/recommend/1?n", status: .badRequest, code: "invalid_n"),
        Case(uri: "/recommend/1?n=5&n=6", status: .badRequest, code: "repeated_parameter"),
        Case(uri: "/recommend/1?n=1.5", status: .badRequest, code: "invalid_n"),
        Case(uri: "/recommend/1?n=99999999999999999999", status: .badRequest, code: "invalid_n"),
        Case(uri: "/recommend/1?limit=5", status: .badRequest, code: "unknown_parameter"),
        Case(uri: "/recommend/1?at=yesterday", status: .badRequest, code: "invalid_at"),
        Case(uri: "/recommend/1?at=-1", status: .badRequest, code: "invalid_at"),
        Case(uri: "/recommend/1?at=99999999999999999", status: .badRequest, code: "invalid_at"),
        Case(uri: "/recommend", status: .notFound, code: "not_found"),
        Case(uri: "/recommend/", status: .notFound, code: "not_found"),
        Case(uri: "/recommend/1/2", status: .notFound, code: "not_found"),
        Case(uri: "/nope", status: .notFound, code: "not_found"),
        Case(method: .post, uri: "/recommend/1", status: .methodNotAllowed, code: "method_not_allowed"),
        Case(method: .delete, uri: "/health", status: .methodNotAllowed, code: "method_not_allowed"),
        Case(method: .get, uri: "/admin/reload", status: .methodNotAllowed, code: "method_not_allowed"),
    ]

    @Test(arguments: cases)
    func malformed(_ c: Case) async throws {
        var configuration = ServeConfiguration(modelPath: try TestModel.file())
        configuration.eventsStore = "memory"
        configuration.logLevel = .error
        let app = try buildApplication(configuration)
        try await app.test(.router) { client in
            try await client.execute(uri: c.uri, method: c.method) { response in
                #expect(response.status == c.status)
                #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
                let body = try #require(
                    JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                let error = try #require(body["error"] as? [String: Any])
                #expect(error["code"] as? String == c.code)
                #expect(error["status"] as? Int == c.status.code)
                #expect((error["message"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test func queryParsingUnit() throws {
        #expect(
            try RecommendQuery.parse(userID: "42", query: nil, defaultN: 5, maxN: 100)
                == .init(userID: 42, n: 5, at: nil))
        #expect(
            try RecommendQuery.parse(userID: "007", query: "n=100&at=5", defaultN: 5, maxN: 100)
                == .init(userID: 7, n: 100, at: 5))
    }
}
