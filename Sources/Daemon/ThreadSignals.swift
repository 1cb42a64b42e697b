import Glibc
import Synchronization

/// A pipe that ends a dedicated thread's `poll` at once: any thread calls `wake`, the polling thread watches
/// `readEnd` and `drain`s it. Both ends are non-blocking (a full pipe already means "wake up") and close-on-exec.
final class WakePipe: Sendable {
    let readEnd: Int32
    private let writeEnd: Int32

    /// The system call that failed and its errno.
    struct Failure: Error {
        var operation: String
        var errorNumber: Int32
    }

    init() throws(Failure) {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw Failure(operation: "pipe", errorNumber: errno) }
        for end in ends {
            guard fcntl(end, F_SETFD, FD_CLOEXEC) == 0, fcntl(end, F_SETFL, O_NONBLOCK) == 0 else {
                let number = errno
                close(ends[0])
                close(ends[1])
                throw Failure(operation: "fcntl", errorNumber: number)
            }
        }
        readEnd = ends[0]
        writeEnd = ends[1]
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    func wake() {
        var byte: UInt8 = 0
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe after `poll` reported it readable.
    func drain() {
        var bytes = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &bytes, bytes.count) > 0 {}
    }
}

/// Tells async code that a dedicated thread has ended: the thread calls `finish` last, and `wait` returns once it
/// has (at once when it already had).
final class ThreadCompletion: Sendable {
    private let state = Mutex<(done: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func finish() {
        let waiter = state.withLock { state in
            state.done = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = state.withLock { state -> Bool in
                if state.done { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }
}
