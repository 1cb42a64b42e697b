/// Timing and table helpers the per-file benchmarks (`bench decode`, `bench embed`) share.
enum BenchTiming {
    static func time(_ work: () throws -> Void) rethrows -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try work()
        return clock.now - start
    }

    /// Median in milliseconds.
    static func medianMilliseconds(_ durations: [Duration]) -> Double {
        let sorted = durations.sorted()
        let middle = sorted[sorted.count / 2]
        return Double(middle.components.seconds) * 1e3 + Double(middle.components.attoseconds) / 1e15
    }

    /// `text` padded with spaces to `width` columns, on the left when `right` (numbers line up on the right).
    static func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let padding = String(repeating: " ", count: max(0, width - text.count))
        return right ? padding + text : text + padding
    }
}
