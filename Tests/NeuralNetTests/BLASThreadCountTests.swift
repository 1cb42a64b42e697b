import Foundation
import Synchronization
import Testing

@testable import NeuralNet

/// OpenBLAS reads one thread count for the whole process. The test suites run in parallel in one process, as
/// the daemon's scan and a benchmark could, so a pass must keep the count it started with.
@Suite struct BLASThreadCountTests {
    @Test func aPassWantingAnotherThreadCountWaitsUntilThePassesHoldingTheCurrentOneFinish() throws {
        let events = EventLog()
        let firstHolds = DispatchSemaphore(value: 0)
        let bothDone = DispatchGroup()

        bothDone.enter()
        Thread.detachNewThread {
            BLAS.withThreads(1) {
                firstHolds.signal()
                Thread.sleep(forTimeInterval: 0.3)
                events.record("first pass ends at \(BLAS.currentThreads) thread")
            }
            bothDone.leave()
        }
        firstHolds.wait()
        bothDone.enter()
        Thread.detachNewThread {
            BLAS.withThreads(2) { events.record("second pass starts at \(BLAS.currentThreads) threads") }
            bothDone.leave()
        }
        #expect(bothDone.wait(timeout: .now() + 60) == .success, "a pass never got its thread count")
        #expect(
            events.entries.withLock { $0 } == ["first pass ends at 1 thread", "second pass starts at 2 threads"])
    }

    @Test func passesWantingTheSameCountRunTogether() throws {
        let inside = Mutex(0)
        let mostInside = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            BLAS.withThreads(1) {
                inside.withLock { $0 += 1 }
                Thread.sleep(forTimeInterval: 0.2)
                mostInside.withLock { $0 = max($0, inside.withLock { $0 }) }
                inside.withLock { $0 -= 1 }
            }
        }
        #expect(mostInside.withLock { $0 } >= 2, "passes at one count were serialised")
    }
}

private final class EventLog: Sendable {
    let entries = Mutex<[String]>([])

    func record(_ event: String) { entries.withLock { $0.append(event) } }
}
