import Foundation
import RecsysCore
import Testing

@testable import Dataset

/// `stats`' habits: repeat views and how much more often a repeatedly viewed item is carted.
struct HabitsStatsTests {
    /// Nine views, three of them of an item the visitor viewed before; pairs viewed more than once are
    /// carted half the time (one of two), pairs viewed once a quarter (one of four): a lift of 2. A cart
    /// without a view is no pair of either kind.
    @Test func countsRepeatViewsAndTheirCartLift() throws {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        let t: Int64 = 1_433_116_800_000
        try folder.write(
            "events.csv",
            """
            timestamp,visitorid,event,itemid,transactionid
            \(t + 1),1,view,11,
            \(t + 2),1,view,11,
            \(t + 3),1,addtocart,11,
            \(t + 4),1,view,12,
            \(t + 5),2,view,11,
            \(t + 6),2,view,13,
            \(t + 7),2,view,13,
            \(t + 8),2,view,13,
            \(t + 9),3,view,12,
            \(t + 10),3,addtocart,12,
            \(t + 11),3,view,14,
            \(t + 12),4,addtocart,15,

            """)
        let stats = DatasetStats(try DatasetLoader.load(DatasetFiles(directory: folder.path)))
        #expect(stats.views == 9)
        #expect(abs(stats.repeatViewShare - 3.0 / 9) < 1e-12)
        #expect(abs(stats.repeatCartLift - 2) < 1e-12)
    }

    /// On a generated world, `stats` sees the habit the generator reports.
    @Test func agreesWithTheGenerator() throws {
        for world in [GeneratorWorld.retailrocket, .returners] {
            let folder = try TempFolder()
            let summary = try SyntheticRetailRocket.generate(
                GeneratorConfig(scale: 0.01, seed: 4, world: world), to: folder.path)
            let stats = DatasetStats(try DatasetLoader.load(DatasetFiles(directory: folder.path)))
            #expect(abs(stats.repeatViewShare - summary.repeatViewShare) < 0.01, "\(world.name)")
            #expect(stats.repeatCartLift > 1.5, "\(world.name): \(stats.repeatCartLift)")
        }
    }
}
