import COpenBLAS
import Synchronization

/// The engine's only door to OpenBLAS. Callers pass raw row-major buffers; dimensions are checked here in Swift
/// because OpenBLAS reports bad arguments by printing through `xerbla`, not by returning an error.
enum BLAS {
    private static let configuredThreads = Mutex<Int>(0)

    /// Sets OpenBLAS's thread count; skipped when unchanged because resizing its pool is not free.
    static func setThreads(_ threads: Int) {
        precondition(threads >= 1, "OpenBLAS needs at least one thread")
        configuredThreads.withLock { current in
            if current != threads {
                openblas_set_num_threads(Int32(threads))
                current = threads
            }
        }
    }

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
