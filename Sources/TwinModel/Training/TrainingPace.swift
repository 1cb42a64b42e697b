import Foundation

/// The pace that `twindup train`'s progress line reports: images per second and the time left for the remaining
/// steps, both over the most recent steps rather than since the start.
///
/// An average since the start keeps a slow stretch (a build beside the run, a busy neighbour, the first mining
/// pass) in every later line: measured on the 2-core build machine, twelve minutes alongside a test build left the
/// line at "ETA 2h20m" when the steps then ran at a pace for 1 h 35 min. The window spans `windowSteps` steps, by
/// default a full validation and mining period, so their pauses are counted at their share.
public struct TrainingPace: Sendable {
    /// Steps the pace is measured over once that many have run.
    public let windowSteps: Int
    private var samples: [(step: Int, time: Double)] = []

    public init(windowSteps: Int = 1000) {
        precondition(windowSteps > 0, "a pace needs at least one step")
        self.windowSteps = windowSteps
    }

    /// Records that `step` finished at `time` (seconds on any clock that only moves forward). The first record is
    /// where the measurement starts: the step a run starts or resumes at.
    public mutating func record(step: Int, at time: Double) {
        samples.append((step, time))
        // Keep the newest sample at least `windowSteps` back as the window's start.
        while samples.count > 2, samples[1].step <= step - windowSteps { samples.removeFirst() }
    }

    /// Seconds per step over the window; nil before two records.
    public var secondsPerStep: Double? {
        guard let first = samples.first, let last = samples.last, last.step > first.step else { return nil }
        return (last.time - first.time) / Double(last.step - first.step)
    }

    /// Images per second over the window, for steps of `imagesPerStep` images.
    public func imagesPerSecond(imagesPerStep: Int) -> Double? {
        secondsPerStep.map { Double(imagesPerStep) / max($0, 1e-9) }
    }

    /// Seconds left for the steps up to `totalSteps` at the window's pace.
    public func secondsRemaining(totalSteps: Int) -> Double? {
        guard let secondsPerStep, let last = samples.last else { return nil }
        return secondsPerStep * Double(max(totalSteps - last.step, 0))
    }
}
