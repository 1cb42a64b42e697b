import Testing

@testable import TwinModel

/// The images per second and ETA of `twindup train`'s progress line follow the recent pace of the run.
@Suite struct TrainingPaceTests {
    /// Records every tenth step from `firstStep` to `lastStep`, each step taking `secondsPerStep(step)`, plus
    /// `pause` seconds after every `pauseEvery`-th step (validation, mining).
    static func recorded(
        into pace: inout TrainingPace, from firstStep: Int, to lastStep: Int, startingAt start: Double = 1000,
        secondsPerStep: (Int) -> Double, pause: Double = 0, pauseEvery: Int = .max
    ) -> Double {
        var time = start
        pace.record(step: firstStep, at: time)
        for step in (firstStep + 1)...lastStep {
            time += secondsPerStep(step)
            if step % 10 == 0 { pace.record(step: step, at: time) }
            if step % pauseEvery == 0 { time += pause }
        }
        return time
    }

    @Test func noPaceBeforeTwoRecords() {
        var pace = TrainingPace()
        #expect(pace.secondsPerStep == nil && pace.secondsRemaining(totalSteps: 100) == nil)
        pace.record(step: 0, at: 5)
        #expect(pace.imagesPerSecond(imagesPerStep: 64) == nil)
        pace.record(step: 10, at: 11)
        #expect(pace.secondsPerStep == 0.6)
        #expect(pace.imagesPerSecond(imagesPerStep: 64) == 64 / 0.6)
        #expect(pace.secondsRemaining(totalSteps: 100) == 90 * 0.6)
    }

    /// A slow stretch at the start (a build alongside) no longer weighs on the ETA once the window has passed it.
    @Test func aSlowStartLeavesTheEstimateOnceTheWindowHasPassedIt() {
        var pace = TrainingPace(windowSteps: 1000)
        _ = Self.recorded(into: &pace, from: 0, to: 2000, secondsPerStep: { $0 <= 500 ? 1.0 : 0.5 })
        #expect(pace.secondsPerStep == 0.5)
        #expect(pace.secondsRemaining(totalSteps: 10000) == 8000 * 0.5)
        #expect(pace.imagesPerSecond(imagesPerStep: 64) == 128)
    }

    /// Within the first window the pace is the run's own since it started or resumed.
    @Test func withinTheFirstWindowThePaceIsSinceTheStartOrResume() {
        var pace = TrainingPace(windowSteps: 1000)
        _ = Self.recorded(into: &pace, from: 540, to: 940, secondsPerStep: { $0 <= 740 ? 1.0 : 0.5 })
        #expect(pace.secondsPerStep == (200 * 1.0 + 200 * 0.5) / 400)
        #expect(pace.secondsRemaining(totalSteps: 1000) == 60 * 0.75)
    }

    /// Validation and mining pauses count at their share of the window, as they will for the steps left.
    @Test func periodicPausesCountAtTheirShare() throws {
        var pace = TrainingPace(windowSteps: 1000)
        _ = Self.recorded(
            into: &pace, from: 0, to: 3000, secondsPerStep: { _ in 0.5 }, pause: 30, pauseEvery: 500)
        let perStep = try #require(pace.secondsPerStep)
        #expect(abs(perStep - (0.5 + 2 * 30 / 1000.0)) < 1e-9)
    }
}
