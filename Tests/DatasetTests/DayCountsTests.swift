import Foundation
import RecsysCore
import Testing

@testable import Dataset

struct DayCountsTests {
    @Test func datesAreUTCCalendarDays() {
        #expect(EventTime.date(0) == "1970-01-01")
        #expect(EventTime.date(-1) == "1969-12-31")
        #expect(EventTime.date(951_782_400_000) == "2000-02-29")
        #expect(EventTime.date(1_442_534_399_999) == "2015-09-17")
        #expect(EventTime.date(1_442_534_400_000) == "2015-09-18")
        #expect(EventTime.date(4_107_542_400_000) == "2100-03-01")
    }

    /// Three days: two events, none, one; the empty day counts.
    @Test func everyDayOfTheSpanCountsEvenWithoutEvents() throws {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        let day: Int64 = 1_433_116_800_000  // 2015-06-01 00:00 UTC
        try folder.write(
            "events.csv",
            """
            timestamp,visitorid,event,itemid,transactionid
            \(day + 1000),257597,view,355908,
            \(day + 86_399_000),992329,view,248676,
            \(day + 2 * 86_400_000 + 5),257597,addtocart,355908,

            """)
        let stats = DatasetStats(try DatasetLoader.load(DatasetFiles(directory: folder.path)))
        let d = try #require(stats.eventsPerDay)
        #expect(d.days == 3)
        #expect((d.min, d.minDay) == (0, "2015-06-02"))
        #expect((d.max, d.maxDay) == (2, "2015-06-01"))
        #expect(d.median == 1)
    }

    /// A stray timestamp decades away would make the per-day array huge: the summary is left out.
    @Test func aLogSpanningCenturiesHasNoDaySummary() throws {
        let folder = try TempFolder()
        try folder.writeMinimalDataset()
        try folder.write(
            "events.csv",
            """
            timestamp,visitorid,event,itemid,transactionid
            1433221332117,257597,view,355908,
            9433221332117,992329,view,248676,

            """)
        let stats = DatasetStats(try DatasetLoader.load(DatasetFiles(directory: folder.path)))
        #expect(stats.eventsPerDay == nil)
        #expect(stats.events == 2)
    }
}
