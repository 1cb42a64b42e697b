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
        let inside = Counter()
        let metTheOther = Counter()
        let bothDone = DispatchGroup()
        for _ in 0..<2 {
            bothDone.enter()
            Thread.detachNewThread {
                BLAS.withThreads(1) {
                    inside.add(1)
                    // Each pass waits inside its hold for the other: serialised holds would never meet.
                    let deadline = Date().addingTimeInterval(10)
                    while inside.value < 2 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
                    if inside.value == 2 { metTheOther.add(1) }
                }
                bothDone.leave()
            }
        }
        #expect(bothDone.wait(timeout: .now() + 60) == .success)
        #expect(metTheOther.value == 2, "passes at one count were serialised")
    }
}

private final class EventLog: Sendable {
    let entries = Mutex<[String]>([])

    func record(_ event: String) { entries.withLock { $0.append(event) } }
}

private final class Counter: Sendable {
    private let count = Mutex(0)

    var value: Int { count.withLock { $0 } }

    func add(_ amount: Int) { count.withLock { $0 += amount } }
}
