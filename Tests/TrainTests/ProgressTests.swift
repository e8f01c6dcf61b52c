import Dataset
import Foundation
import Testing

@testable import Train

/// The progress bar's text (a pure function) and the meter in both modes.
struct ProgressTests {
    @Test func barShowsFractionRateAndETA() {
        #expect(
            Progress.bar(label: "ingest", fraction: 0.5, rate: 118.34, unit: "MB", eta: 7.2, width: 10)
                == "ingest [#####-----]  50% 118 MB/s ETA 0:08")
        #expect(
            Progress.bar(label: "backfill", fraction: 0.13, rate: 45.67, unit: "visitors", eta: 3725, width: 8)
                == "backfill [#-------]  13% 45.7 visitors/s ETA 1:02:05")
        // Finished: a full bar, no time left.
        #expect(
            Progress.bar(label: "x", fraction: 1, rate: 2, unit: "u", eta: 0, width: 4)
                == "x [####] 100% 2.0 u/s ETA 0:00")
        // Out of range and unknown values are clamped or left out, never printed as nan.
        #expect(
            Progress.bar(label: "x", fraction: 1.7, rate: .nan, unit: "u", eta: nil, width: 4) == "x [####] 100% 0 u/s")
        #expect(Progress.bar(label: "x", fraction: nil, rate: 12.5, unit: "MB", eta: .infinity) == "x 12.5 MB/s")
    }

    @Test func durations() {
        #expect(Progress.duration(0) == "0:00")
        #expect(Progress.duration(59.2) == "1:00")
        #expect(Progress.duration(61) == "1:01")
        #expect(Progress.duration(3600) == "1:00:00")
    }

    /// Collects what a meter writes; the clock is set by hand.
    final class Capture: @unchecked Sendable {
        private let lock = NSLock()
        private var parts: [String] = []
        private var time = 0.0
        var written: [String] { lock.withLock { parts } }
        var now: Double {
            get { lock.withLock { time } }
            set { lock.withLock { time = newValue } }
        }
        func write(_ s: String) { lock.withLock { parts.append(s) } }
    }

    @Test func outsideATerminalOnlyThePlainLinesAreWritten() {
        let c = Capture()
        let meter = ProgressMeter(
            label: "backfill", total: 100, unit: "visitors", terminal: false, now: { c.now }, sink: c.write)
        c.now = 1
        meter.update(to: 40, plain: nil)
        meter.update(to: 80, plain: "backfill: 80 of 100 visitors")
        meter.finish()
        #expect(c.written == ["[recsys] backfill: 80 of 100 visitors\n"])
    }

    @Test func onATerminalTheBarIsRedrawnInPlaceAndEndsItsLine() {
        let c = Capture()
        let meter = ProgressMeter(
            label: "ingest", total: 100 * 1_048_576, unit: "MB", scale: 1_048_576, terminal: true, now: { c.now },
            sink: c.write)
        c.now = 2
        meter.update(to: 50 * 1_048_576, plain: "events.csv: 50 MB read")
        // Within a tenth of a second: not redrawn.
        c.now = 2.05
        meter.update(to: 60 * 1_048_576)
        c.now = 4
        meter.finish()
        let w = c.written
        #expect(w.count == 2)
        #expect(w.first == "\r\u{1B}[K[recsys] ingest [############------------]  50% 25.0 MB/s ETA 0:02")
        #expect(w.last == "\r\u{1B}[K[recsys] ingest [########################] 100% 25.0 MB/s ETA 0:00\n")
        #expect(!w.joined().contains("events.csv"))
    }

    @Test func fileReaderKeepsThePlainLinesEvery64MB() {
        let c = Capture()
        let meter = ProgressMeter(
            label: "ingest", total: nil, unit: "MB", terminal: false, now: { c.now }, sink: c.write)
        let report = Progress.fileReader(meter)
        // Reports every 2 MB (a report more than 4 MB past every part is taken for a new part): a line at
        // each 64 MB mark, as before the bar.
        for mb in stride(from: 2, through: 130, by: 2) { report("events.csv", mb << 20) }
        #expect(c.written == ["[recsys] events.csv: 64 MB read\n", "[recsys] events.csv: 128 MB read\n"])
    }

    /// The real reader reports every megabyte from several parts of a file at once: still one line per
    /// 64 MB of the file read, in order (once eight lines per mark, and each part's own position).
    @Test func fileReaderCountsAFileReadInConcurrentParts() {
        let c = Capture()
        let meter = ProgressMeter(
            label: "ingest", total: nil, unit: "MB", terminal: false, now: { c.now }, sink: c.write)
        let report = Progress.fileReader(meter)
        // Two parts of 100 MB (the second starts at 100 MB), interleaved, then a second file.
        for mb in 1...100 {
            report("part1.csv", mb << 20)
            report("part1.csv", (100 + mb) << 20)
        }
        for mb in 1...70 { report("part2.csv", mb << 20) }
        #expect(
            c.written == [
                "[recsys] part1.csv: 64 MB read\n", "[recsys] part1.csv: 128 MB read\n",
                "[recsys] part1.csv: 192 MB read\n", "[recsys] part2.csv: 64 MB read\n",
            ])
    }

    /// The ingest bar's total: plain files by size, gzip files by their inflated size.
    @Test func ingestTotalCountsInflatedBytes() throws {
        let folder = try TrainCommandTests.scratch("ingest-total")
        let csv = String(repeating: "timestamp,itemid,property,value\n", count: 100)
        // gzip of `csv` (Python's gzip.compress(..., mtime=0)).
        let gz: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xed, 0xc9, 0xb1, 0x09, 0xc0, 0x30, 0x0c, 0x45,
            0xc1, 0x3e, 0xb3, 0x68, 0x29, 0x83, 0x55, 0x08, 0x22, 0x22, 0xec, 0x6f, 0x83, 0xb7, 0xf7, 0x12, 0x29, 0xdf,
            0xb5, 0xa7, 0x48, 0x9f, 0x6a, 0x59, 0x16, 0xf2, 0x8c, 0x6e, 0x35, 0xbe, 0xf2, 0xa1, 0x63, 0xbb, 0xbd, 0xcb,
            0x1f, 0xf1, 0x3c, 0xcf, 0xf3, 0x3c, 0xcf, 0xf3, 0x3c, 0xcf, 0xff, 0xf4, 0x17, 0x43, 0xe2, 0xbd, 0x44, 0x80,
            0x0c, 0x00, 0x00,
        ]
        try Data(gz).write(to: URL(fileURLWithPath: folder + "/item_properties_part1.csv.gz"))
        try Data(csv.utf8).write(to: URL(fileURLWithPath: folder + "/item_properties_part2.csv"))
        try Data("timestamp,visitorid,event,itemid,transactionid\n".utf8)
            .write(to: URL(fileURLWithPath: folder + "/events.csv"))
        try Data("categoryid,parentid\n".utf8).write(to: URL(fileURLWithPath: folder + "/category_tree.csv"))
        #expect(DataOptions.inflatedSize(folder + "/item_properties_part1.csv.gz") == csv.utf8.count)
        let total = try DataOptions.readableBytes(DatasetFiles(directory: folder))
        #expect(total == Double(2 * csv.utf8.count + 47))
    }

    @Test func readStreamsTotalFilesReadInParts() {
        let s = ReadStreams()
        #expect(s.total(after: "a", at: 1 << 20) == (1 << 20, 1 << 20, 0))
        // A second part of the same file, starting at 100 MB: its first report is not counted.
        #expect(s.total(after: "a", at: 101 << 20) == (1 << 20, 1 << 20, 1 << 20))
        #expect(s.total(after: "a", at: 2 << 20) == (2 << 20, 2 << 20, 1 << 20))
        #expect(s.total(after: "a", at: 102 << 20) == (3 << 20, 3 << 20, 2 << 20))
        #expect(s.total(after: "b", at: 5 << 20) == (8 << 20, 5 << 20, 0))
    }
}
