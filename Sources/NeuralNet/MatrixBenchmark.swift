/// The `sgemm` baseline that network speed is reported against: the same machine, library and thread count.
public enum MatrixBenchmark {
    /// Floating-point operations per second of an m×k by k×n product with OpenBLAS on `threads` threads,
    /// the best of `repetitions` runs.
    public static func sgemmFlops(m: Int, n: Int, k: Int, threads: Int, repetitions: Int = 5) -> Double {
        BLAS.withThreads(threads) { measuredFlops(m: m, n: n, k: k, repetitions: repetitions) }
    }

    private static func measuredFlops(m: Int, n: Int, k: Int, repetitions: Int) -> Double {
        let a = [Float](repeating: 0.5, count: m * k)
        let b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        let clock = ContinuousClock()
        var best = Duration.seconds(1000)
        for _ in 0..<(repetitions + 1) {
            let elapsed = clock.measure {
                a.withUnsafeBufferPointer { a in
                    b.withUnsafeBufferPointer { b in
                        c.withUnsafeMutableBufferPointer { c in
                            BLAS.sgemm(
                                transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a.baseAddress!,
                                lda: k, b: b.baseAddress!, ldb: n, beta: 0, c: c.baseAddress!, ldc: n)
                        }
                    }
                }
            }
            best = min(best, elapsed)
        }
        return Double(2 * m * n * k) / best.seconds
    }
}

extension Duration {
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
