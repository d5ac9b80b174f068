import Foundation
import Synchronization
import TollgateBase
import TollgateExactCache
import TollgateSemantic

/// Tasks waiting for a key to arrive from another node (cross-node single flight).
final class FillWaiters: Sendable {
    private let waiting = Mutex<[CacheKey: [UInt64: CheckedContinuation<Bool, Never>]]>([:])
    private let ids = Atomic<UInt64>(0)

    /// Waits until `fill(key)` or the timeout; true when the key arrived.
    func wait(for key: CacheKey, timeout: Duration) async -> Bool {
        let id = ids.add(1, ordering: .relaxed).newValue
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.resume(key, id, false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { c in
                waiting.withLock { $0[key, default: [:]][id] = c }
                if Task.isCancelled { self.resume(key, id, false) }
            }
        } onCancel: {
            self.resume(key, id, false)
        }
    }

    /// Wakes everyone waiting for `key`.
    func fill(_ key: CacheKey) {
        let all = waiting.withLock { $0.removeValue(forKey: key) }
        for c in (all ?? [:]).values { c.resume(returning: true) }
    }

    private func resume(_ key: CacheKey, _ id: UInt64, _ value: Bool) {
        let c = waiting.withLock { w -> CheckedContinuation<Bool, Never>? in
            let c = w[key]?.removeValue(forKey: id)
            if w[key]?.isEmpty == true { w[key] = nil }
            return c
        }
        c?.resume(returning: value)
    }
}

/// Runs `operation` but gives up after `limit` (throwing `SharedTierError.timeout`); a
/// PostgreSQL call that hangs never holds a request longer than that.
func deadline<T: Sendable>(_ limit: Duration, _ what: String, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    let slot = DeadlineSlot<T>()
    // Cancelling the caller (shutdown) ends the wait at once, like the deadline does.
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            slot.arm(continuation)
            let work = Task {
                do { slot.finish(.success(try await operation())) } catch { slot.finish(.failure(error)) }
            }
            slot.work = work
            Task {
                try? await Task.sleep(for: limit)
                if slot.finish(.failure(SharedTierError.timeout(what))) { work.cancel() }
            }
            if Task.isCancelled, slot.finish(.failure(CancellationError())) { work.cancel() }
        }
    } onCancel: {
        if slot.finish(.failure(CancellationError())) { slot.work?.cancel() }
    }
}

/// The one continuation of a `deadline` call: whichever of the work and the timer comes first
/// resumes it.
private final class DeadlineSlot<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)
    private let task = Mutex<Task<Void, Never>?>(nil)

    /// The task running the operation (cancelled when the deadline or the caller gives up).
    var work: Task<Void, Never>? {
        get { task.withLock { $0 } }
        set { task.withLock { $0 = newValue } }
    }

    func arm(_ c: CheckedContinuation<T, any Error>) { continuation.withLock { $0 = c } }

    @discardableResult
    func finish(_ result: Result<T, any Error>) -> Bool {
        guard let c = continuation.withLock({ $0.take() }) else { return false }
        c.resume(with: result)
        return true
    }
}
