import Dispatch
import Synchronization

/// Maps `items` through `transform` on `threads` threads; results keep the input order, so what follows is
/// deterministic however the work was scheduled.
public func concurrentMap<Item: Sendable, Result: Sendable>(
    _ items: [Item], threads: Int, _ transform: @Sendable (Item) -> Result
) -> [Result] {
    let results = Mutex<[Result?]>(Array(repeating: nil, count: items.count))
    let next = Atomic<Int>(0)
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, items.count))) { _ in
        while true {
            let index = next.add(1, ordering: .relaxed).oldValue
            guard index < items.count else { return }
            let result = transform(items[index])
            results.withLock { $0[index] = result }
        }
    }
    return results.withLock { $0.map { $0! } }
}
