import Candidates
import Foundation
import Hummingbird
import HummingbirdTesting
import Pipeline
import TestSupport
import Testing

@testable import Serve

/// `GET /items/<id>/similar`: the model's neighbours of an item.
struct SimilarItemsTests {
    func json(_ buffer: ByteBuffer) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(buffer: buffer))) as? [String: Any] ?? [:]
    }

    func items(_ body: [String: Any]) -> [(id: Int, score: Double)] {
        (body["items"] as? [[String: Any]])?.compactMap { e in
            (e["item_id"] as? Int).map { ($0, (e["score"] as? Double) ?? 0) }
        } ?? []
    }

    @Test func anItemGetsItsNeighboursBestFirst() async throws {
        let a = TestModel.artifacts
        let cf = try #require(a.generator("itemcf") as? ItemCF)
        // An item with at least three neighbours.
        let dense = try #require((0..<cf.neighbours.itemCount).first { cf.neighbours.neighbours(of: $0).count >= 3 })
        let raw = a.itemRaw[dense]
        // The best by similarity, ties to the smaller id (the answer's rule).
        let best = cf.neighbours.neighbours(of: dense).max { x, y in
            let (sx, sy) = (cf.neighbours.similarity[x], cf.neighbours.similarity[y])
            return sx != sy ? sx < sy : cf.neighbours.neighbour[x] > cf.neighbours.neighbour[y]
        }
        let top = a.itemRaw[Int(cf.neighbours.neighbour[try #require(best)])]
        try await buildApplication(try ServeConfiguration.forTests()).test(.router) { client in
            try await client.execute(uri: "/items/\(raw)/similar?n=3", method: .get) { r in
                #expect(r.status == .ok)
                let b = json(r.body)
                #expect(b["strategy"] as? String == "item-cf")
                let got = items(b)
                #expect(got.count == 3)
                #expect(!got.contains { $0.id == raw })
                #expect(got.map(\.score) == got.map(\.score).sorted(by: >))
                #expect(got.first?.id == top)
            }
            try await client.execute(uri: "/items/\(raw)/similar?n=3&exclude=\(top)", method: .get) { r in
                #expect(!items(json(r.body)).contains { $0.id == top })
            }
            try await client.execute(uri: "/items/999999999999/similar", method: .get) { r in
                #expect(r.status == .notFound)
            }
            for bad in ["n=0", "exclude=a,b", "category=x", "n=3&n=4", "k=3"] {
                try await client.execute(uri: "/items/\(raw)/similar?\(bad)", method: .get) { r in
                    #expect(r.status == .badRequest, "\(bad)")
                }
            }
        }
    }
}
