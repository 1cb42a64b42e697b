import Synchronization

/// A Prometheus histogram of durations in seconds: how many observations fell at or below each bound, their
/// number and their sum.
///
/// One lock rather than an atomic per bucket: a scrape must see the count, the sum and the buckets of the same
/// observations (a reader that catches `_count` ahead of `+Inf` sees an invalid histogram). Observations come from
/// one thread (the indexer), once per file, so the lock is never contended in practice.
final class LatencyHistogram: Sendable {
    /// Upper bounds, in seconds: from a file that is read, decoded and committed at once, to one stuck behind a
    /// long rescan.
    static let defaultBounds: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]

    /// A consistent reading. `cumulativeCounts[i]` counts observations ≤ `bounds[i]`; `count` is the `+Inf` bucket.
    struct Snapshot: Sendable {
        var bounds: [Double]
        var cumulativeCounts: [Int]
        var count: Int
        var sum: Double
    }

    private struct State {
        /// Observations per bucket, the last one for those above every bound.
        var perBucket: [Int]
        var sum = 0.0
    }

    let bounds: [Double]
    private let state: Mutex<State>

    init(bounds: [Double] = LatencyHistogram.defaultBounds) {
        precondition(zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bounds increase")
        self.bounds = bounds
        state = Mutex(State(perBucket: Array(repeating: 0, count: bounds.count + 1)))
    }

    func observe(_ duration: Duration) {
        let seconds = max(0, Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18)
        let bucket = bounds.firstIndex { seconds <= $0 } ?? bounds.count
        state.withLock { state in
            state.perBucket[bucket] += 1
            state.sum += seconds
        }
    }

    var snapshot: Snapshot {
        let (perBucket, sum) = state.withLock { ($0.perBucket, $0.sum) }
        var running = 0
        var cumulative: [Int] = []
        for count in perBucket {
            running += count
            cumulative.append(running)
        }
        return Snapshot(bounds: bounds, cumulativeCounts: Array(cumulative.dropLast()), count: running, sum: sum)
    }
}
