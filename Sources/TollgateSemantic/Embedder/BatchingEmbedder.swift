import Foundation
import TollgateBase

/// The local model behind a queue: embeddings that concurrent requests need at the same moment
/// run as one forward pass (`MiniLMEmbedder.embed(batch:)`: one `sgemm` per layer over all their
/// tokens), on the embedder's own threads, so a burst of embedding work cannot hold the
/// cooperative pool's threads that answer exact hits. The one exception is a lone prompt: when
/// no pass is running and none is waiting, it runs at once on its caller's thread (no hand-off
/// to pay; one pool thread for one pass, while the others stay free).
///
/// A worker takes up to `maxBatch` waiting sequences (at most `batchTokenCapacity` tokens). While
/// another pass is running it first waits at most `maxWait` from the oldest one's arrival for
/// others to join; with every worker idle it starts at once (nothing else is coming sooner), so a
/// lone request pays no wait. Under load the queue fills while passes run, so batches form anyway. FIFO: a large
/// `/v1/embeddings` request submits its inputs a chunk at a time and other requests' prompts
/// interleave with its chunks.
public final class BatchingEmbedder: Embedder, @unchecked Sendable {
    /// The model every batch runs on.
    public let model: MiniLMEmbedder
    public let maxBatch: Int
    public let maxWait: Duration
    /// Whether a lone prompt may run on its caller's thread when the embedder is idle.
    public let inlineWhenIdle: Bool
    public var dimension: Int { model.dimension }
    public var name: String { model.name }
    public var readability: PromptReadability? { model.readability }

    private struct Pending {
        let ids: [Int32]
        let arrived: ContinuousClock.Instant
        let done: CheckedContinuation<[Float], Never>
    }

    // Guarded by `condition` (NSCondition: the workers are plain threads that sleep on it).
    private let condition = NSCondition()
    private var queue: [Pending] = []
    private var head = 0
    private var stopping = false
    /// Forward passes run and sequences embedded (tests and benchmarks read them).
    private var passes = 0, embedded = 0
    /// Workers inside a forward pass now.
    private var running = 0

    /// - Parameters:
    ///   - workers: threads running forward passes (default: one per core).
    ///   - maxBatch: the most sequences in one pass.
    ///   - maxWait: how long the oldest waiting sequence may wait for others to join its batch.
    ///   - inlineWhenIdle: run a lone prompt on its caller's thread when nothing is running or waiting.
    public init(model: MiniLMEmbedder, workers: Int = ProcessInfo.processInfo.activeProcessorCount, maxBatch: Int = 32,
                maxWait: Duration = .milliseconds(1), inlineWhenIdle: Bool = true) {
        precondition(workers >= 1 && maxBatch >= 1)
        self.model = model
        self.maxBatch = maxBatch
        self.maxWait = maxWait
        self.inlineWhenIdle = inlineWhenIdle
        for i in 0..<workers {
            let thread = Thread { [self] in work() }
            thread.name = "tollgate.embed.\(i)"
            thread.start()
        }
    }

    /// The embedding of `text` (truncated to the model's window).
    public func embed(_ text: String) async -> [Float] {
        await embed(tokenIDs: model.tokenize(text))
    }

    /// The embedding of one tokenized sequence (`model.tokenize`).
    public func embed(tokenIDs ids: [Int32]) async -> [Float] {
        if inlineWhenIdle, let vector = embedInlineIfIdle(ids) { return vector }
        return await queued(ids)
    }

    /// Joins the queue; a worker runs it.
    private func queued(_ ids: [Int32]) async -> [Float] {
        await withCheckedContinuation { c in
            condition.lock()
            queue.append(Pending(ids: ids, arrived: .now, done: c))
            condition.signal()
            condition.unlock()
        }
    }

    /// Runs a lone prompt on the caller's thread when no pass is running or waiting; nil otherwise.
    private func embedInlineIfIdle(_ ids: [Int32]) -> [Float]? {
        condition.lock()
        guard running == 0, head == queue.count, !stopping else {
            condition.unlock()
            return nil
        }
        running += 1
        passes += 1
        embedded += 1
        condition.unlock()
        let vector = model.embed(batch: [ids])[0]
        condition.lock()
        running -= 1
        condition.unlock()
        return vector
    }

    /// Several sequences, in order; they join the queue together (one chunk of a large request),
    /// never inline: a batch is the workers' job.
    public func embed(batch sequences: [[Int32]]) async -> [[Float]] {
        await withTaskGroup(of: (Int, [Float]).self) { group in
            for (i, ids) in sequences.enumerated() { group.addTask { (i, await self.queued(ids)) } }
            var out = [[Float]](repeating: [], count: sequences.count)
            for await (i, v) in group { out[i] = v }
            return out
        }
    }

    /// Forward passes run so far and sequences they embedded.
    public var counts: (passes: Int, sequences: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (passes, embedded)
    }

    /// Stops the workers once the queue is empty (tests; a server keeps its embedder for life).
    public func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while let batch = nextBatch() {
            let vectors = model.embed(batch: batch.map(\.ids))
            condition.lock()
            running -= 1
            condition.unlock()
            for (p, v) in zip(batch, vectors) { p.done.resume(returning: v) }
        }
    }

    /// Blocks until a batch is due; nil when shutting down with nothing left.
    private func nextBatch() -> [Pending]? {
        condition.lock()
        defer { condition.unlock() }
        while true {
            while head == queue.count && !stopping { condition.wait() }
            if head == queue.count { return nil }
            let deadline = queue[head].arrived + maxWait
            // Give others a moment to join — only as long as the oldest may wait, and never
            // when a full batch is already there.
            while running > 0, queue.count - head < maxBatch, ContinuousClock.now < deadline, !stopping {
                _ = condition.wait(until: Date(timeIntervalSinceNow: max(0, Self.seconds(deadline - ContinuousClock.now))))
            }
            if head == queue.count { continue }  // another worker took them meanwhile
            var tokens = 0
            var end = head
            while end < queue.count, end - head < maxBatch,
                  end == head || tokens + queue[end].ids.count <= MiniLMEmbedder.batchTokenCapacity {
                tokens += queue[end].ids.count
                end += 1
            }
            let batch = Array(queue[head..<end])
            head = end
            if head > 1024, head * 2 > queue.count { queue.removeFirst(head); head = 0 }  // compact now and then
            if head == queue.count { queue.removeAll(keepingCapacity: true); head = 0 }
            passes += 1
            embedded += batch.count
            running += 1
            return batch
        }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
