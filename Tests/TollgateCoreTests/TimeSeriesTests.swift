import Foundation
import NIOCore
import Testing
import TollgateCore
@testable import TollgateBase
@testable import TollgateExactCache
@testable import TollgatePipeline

@Suite("Time series and review queue")
struct TimeSeriesTests {
    /// 2026-12-03 12:00:00 UTC, a whole minute.
    let t0: Int64 = 1_796_299_200_000

    func ms(minute: Int, second: Int = 0) -> Int64 { t0 + Int64(minute) * 60_000 + Int64(second) * 1000 }

    func flush(_ series: TimeSeries, into store: any CacheStore) async throws {
        try await store.write(series.flushBatch())
    }

    @Test func aggregatesByMinute() {
        let series = TimeSeries(store: MemoryStore(), windowMinutes: 10, nowMs: t0)
        series.record(.hit, latencyMs: 0.4, costUSD: 0, savedUSD: 0.002, nowMs: ms(minute: 0, second: 1))
        series.record(.semanticHit, latencyMs: 7, costUSD: 0, savedUSD: 0.001, nowMs: ms(minute: 0, second: 30))
        series.record(.miss, latencyMs: 120, costUSD: 0.003, savedUSD: 0, nowMs: ms(minute: 0, second: 59))
        series.record(.error, latencyMs: 3, costUSD: 0, savedUSD: 0, nowMs: ms(minute: 1))
        series.addCost(0.0005, nowMs: ms(minute: 1, second: 2))
        series.recordSimilarity(0.97, hit: true, nowMs: ms(minute: 0, second: 30))
        series.recordSimilarity(0.71, hit: false, nowMs: ms(minute: 0, second: 59))
        series.recordSimilarity(0.2, hit: false, nowMs: ms(minute: 0, second: 59))
        series.recordSimilarity(1.0, hit: true, nowMs: ms(minute: 0, second: 59))

        let rows = series.minutes(nowMs: ms(minute: 1))
        #expect(rows.map(\.minute) == [t0 / 60_000, t0 / 60_000 + 1])
        let m = rows[0]
        #expect((m.requests, m.exactHits, m.semanticHits, m.misses, m.errors) == (3, 1, 1, 1, 0))
        #expect(abs(m.savedUSD - 0.003) < 1e-12 && abs(m.costUSD - 0.003) < 1e-12)
        #expect(m.latency[0] == 1 && m.latency[MinuteStats.latencyBucket(7)] == 1 && m.latency[MinuteStats.latencyBucket(120)] == 1)
        #expect(MinuteStats.latencyBoundsMs[MinuteStats.latencyBucket(7)] == 10)
        #expect(m.latencyPercentile(0.5) == 10 && m.latencyPercentile(0.99) == 250)
        // 0.97 and 1.0 are in the last bucket; 0.71 in [0.70, 0.75); 0.2 below 0.5.
        #expect(m.similarityHits[10] == 2 && m.similarityMisses[MinuteStats.similarityBucket(0.71)] == 1 && m.similarityMisses[0] == 1)
        #expect(MinuteStats.similarityBounds[MinuteStats.similarityBucket(0.71) - 1] == 0.7)
        #expect(rows[1].errors == 1 && abs(rows[1].costUSD - 0.0005) < 1e-12)
        #expect(series.minutes(last: 1, nowMs: ms(minute: 1)).count == 1)
    }

    @Test func windowIsBoundedInMemoryAndInTheStore() async throws {
        let store = try LMDBStore(directory: temporaryDirectory(), mapSize: 16 << 20)
        let series = TimeSeries(store: store, windowMinutes: 5, nowMs: t0)
        for minute in 0..<50 {
            series.record(.miss, latencyMs: 1, costUSD: 0.001, savedUSD: 0, nowMs: ms(minute: minute))
            if minute % 7 == 0 { try await flush(series, into: store) }
        }
        try await flush(series, into: store)
        #expect(series.minutes(nowMs: ms(minute: 49)).map(\.minute) == (45...49).map { t0 / 60_000 + Int64($0) })
        #expect(try store.count(.timeseries) == 5)
        var rowBytes = 0
        try store.scan(.timeseries) { key, value in rowBytes += key.bytes.count + value.readableBytes; return true }
        #expect(rowBytes <= series.maxBytes && rowBytes == 5 * (MinuteStats.encodedSize + 32))
    }

    @Test func survivesAReopenAndDropsMinutesThatLeftTheWindow() async throws {
        let dir = temporaryDirectory()
        do {
            let store = try LMDBStore(directory: dir, mapSize: 16 << 20)
            let series = TimeSeries(store: store, windowMinutes: 3, nowMs: t0)
            series.record(.hit, latencyMs: 2, costUSD: 0, savedUSD: 0.01, nowMs: ms(minute: 0))
            series.record(.miss, latencyMs: 2, costUSD: 0.02, savedUSD: 0, nowMs: ms(minute: 2))
            try await flush(series, into: store)
        }
        let store = try LMDBStore(directory: dir, mapSize: 16 << 20)
        let reopened = TimeSeries(store: store, windowMinutes: 3, nowMs: ms(minute: 2))
        let rows = reopened.minutes(nowMs: ms(minute: 2))
        #expect(rows.map(\.exactHits) == [1, 0] && rows.map(\.misses) == [0, 1])
        #expect(abs(rows[0].savedUSD - 0.01) < 1e-12)
        // Two minutes later minute 0 is out of the window: gone from memory at load, from the store at the flush.
        let later = TimeSeries(store: store, windowMinutes: 3, nowMs: ms(minute: 4))
        #expect(later.minutes(nowMs: ms(minute: 4)).count == 1)
        try await flush(later, into: store)
        #expect(try store.count(.timeseries) == 1)
    }

    @Test func observabilityConfig() throws {
        let none = try ConfigLoader.parse("listen: { port: 1 }")
        #expect(none.observability.timeseriesMinutes == 1440 && !none.observability.keepsPrompts(tenant: "default"), "a config file keeps no prompt text by default")
        #expect(DefaultConfig.config().observability.keepsPrompts(tenant: "default"), "the offline default keeps it")
        let some = try ConfigLoader.parse("observability: { timeseries_minutes: 60, review_size: 10, keep_prompts: [shop, lab] }")
        #expect(some.observability.timeseriesMinutes == 60 && some.observability.reviewSize == 10)
        #expect(some.observability.keepsPrompts(tenant: "lab") && !some.observability.keepsPrompts(tenant: "ops"))
        #expect(try ConfigLoader.parse("observability: { keep_prompts: true }").observability.keepsPrompts(tenant: "any"))
        for (yaml, key) in [("observability: { timeseries_minutes: 0 }", "observability.timeseries_minutes"),
                            ("observability: { keep_prompts: maybe }", "observability.keep_prompts"),
                            ("observability: { keep_prompts: [\"\"] }", "observability.keep_prompts[0]"),
                            ("observability: { traces: on }", "observability.traces")] {
            #expect(throws: ConfigError.self) { try ConfigLoader.parse(yaml) }
            do { _ = try ConfigLoader.parse(yaml) } catch let e as ConfigError { #expect(e.key == key, "\(yaml): \(e)") } catch {}
        }
    }

    @Test func encodingRoundTripsAndRejectsOtherSizes() {
        var m = MinuteStats(minute: 29_000_000)
        m.requests = 7; m.semanticHits = 2; m.savedUSD = 0.25; m.latency[3] = 4; m.similarityMisses[5] = 9
        let bytes = m.encoded()
        #expect(bytes.count == MinuteStats.encodedSize)
        #expect(MinuteStats(decoding: ByteBuffer(bytes: bytes)) == m)
        #expect(MinuteStats(decoding: ByteBuffer(bytes: bytes.dropLast())) == nil)
    }

    @Test func reviewRingKeepsTheNewestAndExportsMarkedPairs() async throws {
        let dir = temporaryDirectory()
        let k = CacheKey.raw(endpoint: "t", tenant: "t", body: Array("x".utf8))
        do {
            let store = try LMDBStore(directory: dir, mapSize: 16 << 20)
            let queue = ReviewQueue(store: store, capacity: 3)
            for i in 1...5 {
                queue.add(ReviewItem(timeMs: t0, tenant: i % 2 == 0 ? "a" : "b", model: "m", similarity: 0.9, verdict: "look-alike guard: passed",
                                     entryKey: k, source: "cache", query: "q\(i)", cached: "c\(i)"))
            }
            #expect(queue.items().map(\.id) == [5, 4, 3])
            #expect(queue.items(tenant: "a").map(\.id) == [4])
            #expect(queue.mark(4, .wrong, purged: true)?.mark == .wrong)
            #expect(queue.mark(1, .wrong, purged: false) == nil, "left the ring")
            _ = queue.mark(5, .right, purged: false)
            try await store.write(queue.flushBatch())
            #expect(try store.count(.review) == 3)
        }
        let queue = ReviewQueue(store: try LMDBStore(directory: dir, mapSize: 16 << 20), capacity: 3)
        #expect(queue.items().map(\.id) == [5, 4, 3])
        #expect(queue.item(4)?.purged == true && queue.item(4)?.entryKey == k && queue.item(4)?.query == "q4")
        #expect(queue.add(ReviewItem(timeMs: t0, tenant: "a", model: "m", similarity: 0.95, verdict: "v", entryKey: k, source: "cache", query: nil, cached: nil)) == 6)
        let workload = try Workload.parse(queue.workload(), model: "gpt-4o-mini")
        #expect(workload.map(\.text) == ["c4", "q4", "c5", "q5"])
        #expect(workload[0].classID != workload[1].classID, "a wrong hit's prompts must not share an answer")
        #expect(workload[2].classID == workload[3].classID)
    }
}
