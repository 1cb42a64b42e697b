import Synchronization

/// The bounded hand-over from the watcher thread to the indexer. The watcher never waits: when the queue is full
/// `offer` refuses, the event is lost, and the watcher asks for a rescan instead, which `offer(rescan:)` always
/// takes (one per reason until the indexer picks it up, so they cannot pile up).
final class EventQueue: Sendable {
    /// An event with the moment the watcher handed it over, which is the moment it read the inotify event (or the
    /// settle time ran out): the start of the daemon's processing latency.
    struct Entry: Sendable, Equatable {
        var event: WatchEvent
        var readAt: ContinuousClock.Instant
    }

    private struct State {
        var events: [Entry] = []
        var head = 0
        var waiting: CheckedContinuation<Void, Never>?
        var finished = false
        var queuedRescans = Set<String>()

        var count: Int { events.count - head }
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        precondition(capacity > 0, "a queue holds at least one event")
        self.capacity = capacity
    }

    /// Events waiting.
    var depth: Int { state.withLock { $0.count } }

    /// Adds an event unless the queue is full; returns whether it was taken. After `finish`, events are dropped.
    func offer(_ event: WatchEvent) -> Bool {
        let (taken, waiter) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
            guard !state.finished else { return (true, nil) }
            guard state.count < capacity else { return (false, nil) }
            state.events.append(Entry(event: event, readAt: .now))
            defer { state.waiting = nil }
            return (true, state.waiting)
        }
        waiter?.resume()
        return taken
    }

    /// Queues a rescan whatever the queue holds, unless one for the same reason is already waiting (it will run
    /// after everything that happened so far, so it covers this request too).
    func offer(rescan reason: String) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.finished, state.queuedRescans.insert(reason).inserted else { return nil }
            state.events.append(Entry(event: .rescan(reason: reason), readAt: .now))
            defer { state.waiting = nil }
            return state.waiting
        }
        waiter?.resume()
    }

    /// Up to `limit` events in order, waiting while there are none; nil once the queue is finished.
    func nextBatch(limit: Int) async -> [Entry]? {
        while true {
            let batch = state.withLock { state -> [Entry]? in
                if state.finished { return nil }
                guard state.count > 0 else { return [] }
                let end = min(state.events.count, state.head + limit)
                let batch = Array(state.events[state.head..<end])
                state.head = end
                if state.head == state.events.count {
                    state.events.removeAll(keepingCapacity: state.events.count <= 4096)
                    state.head = 0
                } else if state.head > 4096 {
                    state.events.removeFirst(state.head)
                    state.head = 0
                }
                for case .rescan(let reason) in batch.map(\.event) { state.queuedRescans.remove(reason) }
                return batch
            }
            guard let batch else { return nil }
            if !batch.isEmpty { return batch }
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.finished || state.count > 0 { return true }
                    state.waiting = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    /// Ends the queue: the consumer's next `nextBatch` returns nil; events still waiting are left to the next
    /// start-up rescan.
    func finish() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiting = nil }
            return state.waiting
        }
        waiter?.resume()
    }
}
