import Dataset
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pipeline
import TestSupport
import Testing

@testable import Serve

/// `POST /api/v1/recs/predict` with `n` (and its deprecated alias `k`).
struct PredictCountTests {
    func post(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, String, String?)
    {
        try await client.execute(uri: "/api/v1/recs/predict", method: .post, body: ByteBuffer(string: body)) {
            ($0.status, String(buffer: $0.body), $0.headers[PredictController.deprecationHeader])
        }
    }

    @Test func nIsTheCountAndKItsDeprecatedAlias() async throws {
        let app = try buildApplication(try ServeConfiguration.forTests())
        let user = TestModel.knownUser
        let at = TestModel.artifacts.metadata.referenceTime
        try await app.test(.router) { client in
            let viaGet = try await client.execute(uri: "/recommend/\(user)?n=3&at=\(at)", method: .get) {
                String(buffer: $0.body)
            }
            let withN = try await post(client, "{\"user_id\": \(user), \"n\": 3, \"time\": \(at)}")
            #expect(withN.0 == .ok)
            #expect(withN.1 == viaGet)
            #expect(withN.2 == nil)
            let withK = try await post(client, "{\"user_id\": \(user), \"k\": 3, \"time\": \(at)}")
            #expect(withK.1 == viaGet)
            #expect(withK.2 == "true")
            let same = try await post(client, "{\"user_id\": \(user), \"n\": 3, \"k\": 3, \"time\": \(at)}")
            #expect(same.0 == .ok)
            #expect(same.1 == viaGet)

            let conflict = try await post(client, "{\"user_id\": \(user), \"n\": 3, \"k\": 4}")
            #expect(conflict.0 == .badRequest)
            #expect(conflict.1.contains("\"code\":\"conflicting_count\""))
            #expect(conflict.1.contains("n=3, k=4"))
            let badN = try await post(client, "{\"user_id\": \(user), \"n\": 0}")
            #expect(badN.0 == .badRequest)
            #expect(badN.1.contains("\"code\":\"invalid_n\""))
            let badK = try await post(client, "{\"user_id\": \(user), \"k\": 101}")
            #expect(badK.1.contains("\"code\":\"invalid_k\""))
            // A misspelt field is named, not dropped (it would answer the default 5 items).
            let misspelt = try await post(client, "{\"user_id\": \(user), \"N\": 10}")
            #expect(misspelt.0 == .badRequest)
            #expect(misspelt.1.contains("\"code\":\"unknown_parameter\""))
            #expect(misspelt.1.contains("unknown field 'N'; allowed: user_id, n, k, time"))
            // A field of the wrong type is named with what came, as the batch route does.
            let quoted = try await post(client, "{\"user_id\": \"\(user)\"}")
            #expect(quoted.0 == .badRequest)
            #expect(quoted.1.contains("\"code\":\"invalid_user_id\""), "\(quoted.1)")
            #expect(quoted.1.contains("user_id must be an integer, got \\\"\(user)\\\""), "\(quoted.1)")
            let fractional = try await post(client, "{\"user_id\": \(user), \"n\": 2.5}")
            #expect(fractional.1.contains("\"code\":\"invalid_n\""), "\(fractional.1)")
            #expect(fractional.1.contains("n must be an integer, got 2.5"), "\(fractional.1)")
        }
    }
}

/// `POST /api/v1/recs/batch`: /recommend for many visitors at once.
struct BatchRecommendTests {
    func json(_ buffer: ByteBuffer) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any])
    }

    func post(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, ByteBuffer) {
        try await client.execute(uri: "/api/v1/recs/batch", method: .post, body: ByteBuffer(string: body)) {
            ($0.status, $0.body)
        }
    }

    /// Known visitors, a visitor without history and a repeated id: each
    /// result is the /recommend answer of its visitor, in request order.
    @Test func eachResultIsTheRecommendAnswer() async throws {
        let app = try buildApplication(try ServeConfiguration.forTests())
        let a = TestModel.artifacts
        let at = a.metadata.referenceTime
        let ids = Array(a.userRaw.prefix(6).reversed()) + [TestModel.knownUser, 987_654_321, a.userRaw[0]]
        let c = a.stats.category[Int(a.popular[0])]
        let category = a.categoryRaw[Int(c)]
        let variants: [(body: String, query: String)] = [
            ("\"n\": 4, \"at\": \(at)", "n=4&at=\(at)"),
            ("\"n\": \"7\", \"at\": \"\(at)\", \"exclude\": \"seen\"", "n=7&at=\(at)&exclude=seen"),
            (
                "\"at\": \(at), \"category\": \(category), \"exclude\": \"purchased\"",
                "at=\(at)&category=\(category)&exclude=purchased"
            ),
        ]
        try await app.test(.router) { client in
            for variant in variants {
                let idList = ids.map(String.init).joined(separator: ", ")
                let (status, body) = try await post(client, "{\"visitor_ids\": [\(idList)], \(variant.body)}")
                #expect(status == .ok, "\(variant.body)")
                let results = try #require(try json(body)["results"] as? [[String: Any]])
                #expect(results.count == ids.count)
                for (id, result) in zip(ids, results) {
                    #expect(result["visitor_id"] as? Int == id)
                    let single = try await client.execute(uri: "/recommend/\(id)?\(variant.query)", method: .get) {
                        try json($0.body)
                    }
                    var rest = result
                    rest["visitor_id"] = nil
                    #expect(NSDictionary(dictionary: rest).isEqual(to: single), "visitor \(id), \(variant.query)")
                }
                #expect(Set(results.compactMap { $0["strategy"] as? String }).count >= 1)
            }
            // The raw bytes too: a result is the /recommend body with visitor_id appended.
            let user = TestModel.knownUser
            let single = try await client.execute(uri: "/recommend/\(user)?n=2&at=\(at)", method: .get) {
                String(buffer: $0.body)
            }
            let (_, body) = try await post(client, "{\"visitor_ids\": [\(user)], \"n\": 2, \"at\": \(at)}")
            #expect(String(buffer: body) == "{\"results\":[\(single.dropLast()),\"visitor_id\":\(user)}]}")
        }
    }

    @Test func limitsAndBadInput() async throws {
        let app = try buildApplication(try ServeConfiguration.forTests())
        let user = TestModel.knownUser
        try await app.test(.router) { client in
            let thousand = Array(repeating: String(user), count: 1000).joined(separator: ",")
            let (okStatus, okBody) = try await post(client, "{\"visitor_ids\": [\(thousand)], \"n\": 1}")
            #expect(okStatus == .ok)
            #expect((try json(okBody)["results"] as? [Any])?.count == 1000)

            let (tooMany, tooManyBody) = try await post(client, "{\"visitor_ids\": [\(thousand),\(user)]}")
            #expect(tooMany == .badRequest)
            #expect(String(buffer: tooManyBody).contains("\"code\":\"too_many_visitors\""))
            #expect(String(buffer: tooManyBody).contains("1000"))

            let huge = "{\"visitor_ids\": [\(String(repeating: "1, ", count: 30_000))1]}"
            let (tooLarge, _) = try await post(client, huge)
            #expect(tooLarge == .contentTooLarge)

            // Each bad body: its status and the code /recommend would give for the same option.
            let cases: [(String, String)] = [
                ("{\"visitor_ids\": [1, -2]}", "invalid_visitor_ids"),
                ("{\"visitor_ids\": [1, \"2\"]}", "invalid_visitor_ids"),
                ("{\"visitor_ids\": [1, 1.5]}", "invalid_visitor_ids"),
                ("{\"visitor_ids\": [1000000000000000000]}", "invalid_visitor_ids"),
                ("{\"visitor_ids\": []}", "invalid_visitor_ids"),
                ("{\"visitor_ids\": 5}", "invalid_visitor_ids"),
                ("{\"n\": 5}", "invalid_visitor_ids"),
                ("{\"visitor_ids\": [1], \"n\": 0}", "invalid_n"),
                ("{\"visitor_ids\": [1], \"n\": 101}", "invalid_n"),
                ("{\"visitor_ids\": [1], \"n\": 2.5}", "invalid_n"),
                ("{\"visitor_ids\": [1], \"exclude\": \"all\"}", "invalid_exclude"),
                ("{\"visitor_ids\": [1], \"category\": \"x\"}", "invalid_category"),
                ("{\"visitor_ids\": [1], \"category\": 99999999}", "unknown_category"),
                ("{\"visitor_ids\": [1], \"at\": -1}", "invalid_at"),
                ("{\"visitor_ids\": [1], \"k\": 3}", "unknown_parameter"),
                ("{\"visitor_ids\": [1], \"n\": 2, \"n\": 3}", "duplicate_key"),
                ("[1, 2]", "invalid_body"),
                ("{", "invalid_body"),
                ("", "invalid_body"),
            ]
            for (bad, code) in cases {
                let (status, body) = try await post(client, bad)
                #expect(status == .badRequest, "\(bad)")
                let error = try json(body)["error"] as? [String: Any]
                #expect(error?["code"] as? String == code, "\(bad): \(String(buffer: body))")
            }
            // The same message as /recommend's for the same option.
            let (_, viaBatch) = try await post(client, "{\"visitor_ids\": [1], \"n\": 0}")
            let viaGet = try await client.execute(uri: "/recommend/1?n=0", method: .get) { $0.body }
            #expect(String(buffer: viaBatch) == String(buffer: viaGet))
            let (_, index) = try await post(client, "{\"visitor_ids\": [1, 2, -3]}")
            #expect(String(buffer: index).contains("visitor_ids[2]"))
        }
    }
}

/// Large answers are gzip'd for clients that accept it; small ones never are.
struct ResponseCompressionTests {
    @Test func aLargeBatchIsGzippedForAClientThatAcceptsIt() async throws {
        let app = try buildApplication(try ServeConfiguration.forTests())
        let a = TestModel.artifacts
        let ids = a.userRaw.prefix(200).map(String.init).joined(separator: ", ")
        let body = "{\"visitor_ids\": [\(ids)], \"n\": 20, \"at\": \(a.metadata.referenceTime)}"
        try await app.test(.router) { client in
            func post(_ body: String, _ accept: String?) async throws -> (HTTPFields, [UInt8]) {
                var headers: HTTPFields = [:]
                if let accept { headers[.acceptEncoding] = accept }
                return try await client.execute(
                    uri: "/api/v1/recs/batch", method: .post, headers: headers, body: ByteBuffer(string: body)
                ) { r in
                    #expect(r.status == .ok)
                    return (r.headers, Array(buffer: r.body))
                }
            }
            let (plainHeaders, plain) = try await post(body, nil)
            #expect(plain.count >= ResponseCompression.threshold)
            #expect(plainHeaders[.contentEncoding] == nil && plainHeaders[.vary] == "Accept-Encoding")
            let (headers, packed) = try await post(body, "deflate, gzip;q=0.8")
            #expect(headers[.contentEncoding] == "gzip")
            #expect(packed.count < plain.count / 3)
            #expect(try Gzip.decompress(packed, limit: 1 << 26) == plain)
            let (refused, _) = try await post(body, "gzip;q=0, *")
            #expect(refused[.contentEncoding] == nil)
            let small = "{\"visitor_ids\": [\(a.userRaw[0])], \"n\": 1}"
            let (smallHeaders, _) = try await post(small, "gzip")
            #expect(smallHeaders[.contentEncoding] == nil)
            try await client.execute(uri: "/docs", method: .get, headers: [.acceptEncoding: "gzip"]) { r in
                #expect(r.headers[.contentEncoding] == "gzip")
                let page = String(decoding: try Gzip.decompress(Array(buffer: r.body), limit: 1 << 26), as: UTF8.self)
                #expect(page.hasPrefix("<!DOCTYPE html>") || page.hasPrefix("<!doctype html>"))
            }
            // A single /recommend answer is small: never compressed.
            try await client.execute(
                uri: "/recommend/\(TestModel.knownUser)?n=100", method: .get, headers: [.acceptEncoding: "gzip"]
            ) { r in
                #expect(r.headers[.contentEncoding] == nil)
            }
        }
    }
}
