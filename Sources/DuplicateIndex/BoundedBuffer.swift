import Dispatch
import Synchronization

/// A first-in first-out queue of fixed capacity between threads: `put` waits while it is full, `take` while it is
/// empty. It bounds the scan's memory: decoding runs ahead of embedding and indexing by at most `capacity` files.
final class BoundedBuffer<Element: Sendable>: Sendable {
    private let slots: DispatchSemaphore
    private let items = DispatchSemaphore(value: 0)
    private let storage = Mutex<(elements: [Element?], head: Int)>(([], 0))

    init(capacity: Int) {
        precondition(capacity > 0, "a buffer holds at least one element")
        slots = DispatchSemaphore(value: capacity)
    }

    /// Adds an element, or `nil` to say that no more will come.
    func put(_ element: Element?) {
        slots.wait()
        storage.withLock { $0.elements.append(element) }
        items.signal()
    }

    /// The next element, or nil once the end was put.
    func take() -> Element? {
        items.wait()
        let element = storage.withLock { state -> Element? in
            let element = state.elements[state.head]
            state.head += 1
            if state.head > 1024 {
                state.elements.removeFirst(state.head)
                state.head = 0
            }
            return element
        }
        slots.signal()
        return element
    }
}
