import Synchronization
import TollgateBase
import TollgateHTTPClient
import TollgateExactCache
import TollgateSemantic
import TollgateProviders
import TollgateRouting
import TollgateShared
import TollgateFixtures
import TollgateDialects

/// Concurrent identical misses make one upstream call: the first request for a key leads, the
/// others wait for it to finish and then read its answer from the cache.
final class SingleFlight: Sendable {
    private let waiting = Mutex<[CacheKey: [CheckedContinuation<Void, Never>]]>([:])

    /// True if the caller leads for `key` (and must call `finish`); otherwise waits until the
    /// leader has finished and returns false.
    func join(_ key: CacheKey) async -> Bool {
        var leads = false
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = waiting.withLock { w -> Bool in
                if w[key] == nil {
                    w[key] = []
                    leads = true
                    return true
                }
                w[key]!.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
        return leads
    }

    /// Ends the leader's flight and wakes its followers.
    func finish(_ key: CacheKey) {
        let followers = waiting.withLock { $0.removeValue(forKey: key) ?? [] }
        for f in followers { f.resume() }
    }
}
