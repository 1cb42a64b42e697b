import COpenBLAS
import Foundation

/// The engine's only door to OpenBLAS. Callers pass raw row-major buffers; dimensions are checked here in Swift
/// because OpenBLAS reports bad arguments by printing through `xerbla`, not by returning an error.
enum BLAS {
    private static let threadCount = ThreadCountLeases()

    /// Runs `body` with OpenBLAS on `threads` threads. The count is one setting for the whole process, read by
    /// every product as it starts, so a pass that changed it under another's feet would change how that pass's
    /// products are split (and their last bits) and put two thread pools on the same cores. Passes wanting the same
    /// count run together; a pass wanting another waits until they have finished. Nested calls must want the count
    /// already held.
    static func withThreads<Result, Failure: Error>(
        _ threads: Int, _ body: () throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let hold = holdThreads(threads)
        defer { hold.release() }
        return try body()
    }

    /// `withThreads` for a scope rather than a closure, so that a layer's body needs no extra nesting:
    /// `let hold = BLAS.holdThreads(n)` then `defer { hold.release() }`.
    static func holdThreads(_ threads: Int) -> ThreadHold {
        precondition(threads >= 1, "OpenBLAS needs at least one thread")
        threadCount.acquire(threads)
        return ThreadHold()
    }

    /// A hold taken by `holdThreads`; release it exactly once.
    struct ThreadHold {
        func release() { threadCount.release() }
    }

    /// OpenBLAS's current thread count, as its products read it.
    static var currentThreads: Int { Int(openblas_get_num_threads()) }

    /// `c = alpha * op(a) * op(b) + beta * c` with `op(a)` of size m×k, `op(b)` k×n, `c` m×n, all row-major
    /// with leading dimensions `lda`, `ldb`, `ldc`.
    // swiftlint:disable:next function_parameter_count
    static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm dimensions must be non-negative")
        precondition(lda >= max(1, transposeA ? m : k), "sgemm lda too small")
        precondition(ldb >= max(1, transposeB ? k : n), "sgemm ldb too small")
        precondition(ldc >= max(1, n), "sgemm ldc too small")
        if m == 0 || n == 0 { return }
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// Shared holds on OpenBLAS's thread count: any number of holders of one count at a time.
///
/// `@unchecked Sendable` is safe: `count` and `holders` are read and written only between `condition.lock()` and
/// `condition.unlock()`, and `NSCondition` itself is thread-safe.
private final class ThreadCountLeases: @unchecked Sendable {
    private let condition = NSCondition()
    private var count = 0
    private var holders = 0

    func acquire(_ threads: Int) {
        condition.lock()
        defer { condition.unlock() }
        while holders > 0 && count != threads { condition.wait() }
        if count != threads {
            // Resizing the pool is not free, so it happens only when the count changes.
            openblas_set_num_threads(Int32(threads))
            count = threads
        }
        holders += 1
    }

    func release() {
        condition.lock()
        defer { condition.unlock() }
        holders -= 1
        if holders == 0 { condition.broadcast() }
    }
}
