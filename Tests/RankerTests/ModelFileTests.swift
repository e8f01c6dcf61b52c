import Foundation
import Testing

@testable import Ranker

struct ModelFileTests {
    func encoded() throws -> [UInt8] { try ModelFile.encode(TinyWorld.artifacts) }

    @Test func roundTripKeepsEverythingTheServerNeeds() throws {
        let a = TinyWorld.artifacts
        let b = try ModelFile.decode(try encoded())
        #expect(b.metadata.modelVersion == "tiny-1")
        #expect(b.userRaw == a.userRaw)
        #expect(b.itemRaw == a.itemRaw)
        #expect(b.ranker == a.ranker)
        #expect(b.neighbours.neighbour == a.neighbours.neighbour)
        #expect(b.histories.time == a.histories.time)
        #expect(b.popular == a.popular)
        #expect(b.metadata.schema == a.metadata.schema)
        // Same answers from the loaded model.
        let p1 = TwoStagePipeline(artifacts: a)
        let p2 = TwoStagePipeline(artifacts: b)
        for raw in a.userRaw.prefix(50) {
            let t = a.metadata.referenceTime
            #expect(p1.recommend(rawUser: raw, at: t, n: 5).items == p2.recommend(rawUser: raw, at: t, n: 5).items)
        }
    }

    @Test func wrongMagic() throws {
        var bytes = try encoded()
        bytes[0] = 0x58
        #expect(throws: ModelFileError.wrongMagic) { try ModelFile.decode(bytes) }
    }

    @Test func unknownVersion() throws {
        var bytes = try encoded()
        bytes[8] = 99
        #expect(throws: ModelFileError.unsupportedVersion(found: 99, supported: ModelFile.formatVersion)) {
            try ModelFile.decode(bytes)
        }
    }

    @Test func badChecksum() throws {
        var bytes = try encoded()
        // Flip a byte inside the first section's compressed payload.
        bytes[8 + 16 + 24 + 5] ^= 0xFF
        #expect(throws: ModelFileError.checksumMismatch(section: "META")) { try ModelFile.decode(bytes) }
    }

    @Test func everyTruncationFailsCleanly() throws {
        let bytes = try encoded()
        for cut in [0, 4, 8, 20, 30, 100, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ModelFileError.self) { try ModelFile.decode(Array(bytes.prefix(cut))) }
        }
    }

    @Test func atomicWriteLeavesNoTempFile() throws {
        let folder = NSTemporaryDirectory() + "recsys-model-" + UUID().uuidString
        let path = folder + "/m.rrm"
        try ModelFile.write(TinyWorld.artifacts, to: path)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(files == ["m.rrm"])
        #expect(try ModelFile.read(path: path).metadata.modelVersion == "tiny-1")
        #expect(throws: ModelFileError.self) { try ModelFile.read(path: folder + "/missing.rrm") }
    }
}

struct ModelCompatibilityTests {
    @Test func olderFeatureSchemaIsRefusedWithAClearMessage() throws {
        var a = TinyWorld.artifacts
        a.metadata.schema.version = "features-v0"
        #expect(throws: ModelFileError.self) { try ModelFile.decode(try ModelFile.encode(a)) }
        var b = TinyWorld.artifacts
        b.metadata.schema.names[3] = "something_else"
        do {
            _ = try ModelFile.decode(try ModelFile.encode(b))
            Issue.record("a renamed feature must be refused")
        } catch let error as ModelFileError {
            #expect(error.description.contains("retrain"))
        }
    }
}
