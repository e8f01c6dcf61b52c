import Candidates
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Pipeline
import TestSupport
import Testing

@testable import Serve

/// Two replicas on one state folder: one trainer at a time, task state visible everywhere.
struct RetrainTests {
    let auth: HTTPFields = [.authorization: "Bearer t0ken"]

    /// A replica whose "training" waits until the test creates `gate` (at
    /// most 30 s), then copies a prepared model (version v2) over the served
    /// one. A gate, not a sleep: under a loaded test run the next request
    /// may come more than a second later.
    func replica(model: String, state: String, next: String, gate: String) throws -> RecsysApplication {
        var c = ServeConfiguration(modelPath: model)
        c.eventsStore = "memory"  // one writer per embedded log: tests share model folders
        c.logLevel = .error
        c.adminToken = "t0ken"
        c.stateFolder = state
        c.trainCommand = [
            "/bin/sh", "-c",
            "i=0; while [ ! -e '\(gate)' ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; "
                + "cp '\(next)' '\(model).new' && mv '\(model).new' '\(model)'",
        ]
        return try buildApplication(c)
    }

    func json(_ b: ByteBuffer) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(buffer: b)) as? [String: Any])
    }

    @Test func oneTrainerAcrossReplicasAndSharedStatus() async throws {
        let folder = TestModel.folder + "/retrain-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let model = folder + "/model.rrm"
        try FileManager.default.copyItem(atPath: try TestModel.file(version: "v1"), toPath: model)
        let next = try TestModel.file(version: "v2")
        let gate = folder + "/gate"
        let a = try replica(model: model, state: folder + "/state", next: next, gate: gate)
        let b = try replica(model: model, state: folder + "/state", next: next, gate: gate)
        let box = Box()
        try await a.test(.router) { clientA in
            try await b.test(.router) { clientB in
                try await clientA.execute(uri: "/api/v1/recs/train", method: .post, headers: auth) { response in
                    #expect(response.status == .accepted)
                    box.value = try #require(try self.json(response.body)["task_id"] as? String)
                }
                let taskID = box.value
                // The other replica sees the lock: 409.
                try await clientB.execute(uri: "/api/v1/recs/train", method: .post, headers: auth) { response in
                    #expect(response.status == .conflict)
                }
                // And the task, from the shared folder.
                try await clientB.execute(uri: "/api/v1/recs/status/\(taskID)", method: .get, headers: auth) {
                    response in
                    #expect(response.status == .ok)
                    let status = try self.json(response.body)["status"] as? String
                    #expect(status == "queued" || status == "running")
                }
                FileManager.default.createFile(atPath: gate, contents: nil)
                let final = Box()
                for _ in 0..<100 {
                    try await Task.sleep(for: .milliseconds(100))
                    try await clientB.execute(uri: "/api/v1/recs/status/\(taskID)", method: .get, headers: auth) {
                        response in
                        final.value = try self.json(response.body)["status"] as? String ?? ""
                    }
                    if final.value == "succeeded" || final.value == "failed" { break }
                }
                #expect(final.value == "succeeded")
                try await clientA.execute(uri: "/api/v1/recs/status/\(taskID)", method: .get, headers: auth) {
                    response in
                    let body = try self.json(response.body)
                    #expect(body["model_version"] as? String == "v2")
                    #expect(body["duration_seconds"] as? Double != nil)
                }
                // The replica that trained serves the new model; the lock is free again.
                try await clientA.execute(uri: "/ready", method: .get) { response in
                    let body = try self.json(response.body)
                    #expect(body["model_version"] as? String == "v2")
                }
                #expect(!FileManager.default.fileExists(atPath: folder + "/state/lock.json"))
                try await clientB.execute(uri: "/api/v1/recs/status/not-a-task!", method: .get, headers: auth) {
                    #expect($0.status == .badRequest)
                }
                try await clientB.execute(uri: "/api/v1/recs/status/\(UUID().uuidString)", method: .get, headers: auth)
                {
                    #expect($0.status == .notFound)
                }
                try await clientB.execute(uri: "/api/v1/recs/train", method: .post) {
                    #expect($0.status == .unauthorized)
                }
            }
        }
        // Task history survives: a new replica on the same folder still reads it.
        let taskID = box.value
        let c = try replica(model: model, state: folder + "/state", next: next, gate: folder + "/gate")
        try await c.test(.router) { client in
            try await client.execute(uri: "/api/v1/recs/status/\(taskID)", method: .get, headers: auth) { response in
                let body = try self.json(response.body)
                #expect(body["status"] as? String == "succeeded")
            }
        }
    }

    @Test func aCrashedTrainersLockIsRecovered() throws {
        let folder = TestModel.folder + "/stale-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let stale = "{\"task_id\":\"dead\",\"pid\":999999,\"host\":\"x\",\"heartbeat\":\(RetrainTasks.now() - 60_000)}"
        try Data(stale.utf8).write(to: URL(fileURLWithPath: folder + "/lock.json"))
        let tasks = RetrainTasks(folder: folder, command: ["/bin/true"], staleSeconds: 15)
        let record = try tasks.start()
        #expect(record.status == "queued")
        #expect(tasks.readLock()?.taskID == record.taskID)
        // A fresh lock is respected.
        #expect(throws: RetrainTasks.StartError.self) { _ = try tasks.start() }
        let done = tasks.run(record) { _ in }
        #expect(done.status == "succeeded")
        #expect(tasks.readLock() == nil)
    }

    @Test func aFailingCommandIsRecordedWithItsError() throws {
        let folder = TestModel.folder + "/fail-\(UUID().uuidString)"
        let tasks = RetrainTasks(folder: folder, command: ["/bin/sh", "-c", "echo 'no data here' >&2; exit 3"])
        let done = tasks.run(try tasks.start()) { _ in }
        #expect(done.status == "failed")
        #expect(done.error?.contains("exit status 3") == true)
        #expect(done.error?.contains("no data here") == true)
        #expect(tasks.record(done.taskID) == done)
    }

    /// A default retrain keeps the serving model's generators and lookups (`content` as a lookup included).
    @Test func aRetrainKeepsTheModelsGeneratorsAndLookups() {
        var m = TestModel.artifacts.metadata
        m.generators = ["category", "itemcf", "history", "als"]
        m.lookups = ["covisit", "content"]
        #expect(
            TrainController.keptArguments(m) == [
                "--generators", "category,itemcf,history,als", "--lookups", "covisit,content",
            ])
        m.lookups = nil
        #expect(TrainController.keptArguments(m).suffix(2) == ["--lookups", "none"])
    }

    @Test func extraArgumentsReachTheTrainer() throws {
        let folder = TestModel.folder + "/extra-\(UUID().uuidString)"
        // sh -c SCRIPT ARG0 ARG1: succeeds only when the extras arrive, in order.
        let tasks = RetrainTasks(folder: folder, command: ["/bin/sh", "-c", "test \"$0 $1\" = '--generators als'"])
        let done = tasks.run(try tasks.start(extraArguments: ["--generators", "als"])) { _ in }
        #expect(done.status == "succeeded")
        #expect(done.command.suffix(2) == ["--generators", "als"])
        let without = tasks.run(try tasks.start()) { _ in }
        #expect(without.status == "failed")
    }
}

/// A value the @Sendable test callbacks can set.
final class Box: @unchecked Sendable {
    var value = ""
}
