import COpenBLAS
import Foundation

/// Which OpenBLAS kernels this process runs, and the mend for processors newer than the OpenBLAS installed.
///
/// OpenBLAS picks its kernels once, as the library loads, from a table of processor models it knows. Debian
/// bookworm's 0.3.21 does not know recent Xeons (Sapphire and Emerald Rapids among them) and falls back to its
/// Prescott kernels, plain SSE3: on such a machine every product of the network ran at about a third of the speed
/// its AVX-512 kernels give (sgemm 512³ 31.6 against 150.5 GFLOPS on one thread, an embedding 4.49 against 1.67
/// ms). The choice cannot be changed once made, but OpenBLAS honours `OPENBLAS_CORETYPE` as it loads, so `twindup`
/// sets it and starts itself again (`restartWithBetterKernelsIfNeeded`).
public enum BLASKernels {
    /// The kernels OpenBLAS chose for this process, as it names them ("Haswell", "SkylakeX", "Prescott", ...).
    public static var core: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Set by `restartWithBetterKernelsIfNeeded` for the restarted process: the core OpenBLAS took by itself.
    static let replacedCoreVariable = "TWINDUP_OPENBLAS_REPLACED_CORE"

    /// The core OpenBLAS took by itself before twindup restarted with `core`, or nil when OpenBLAS's choice (or the
    /// operator's `OPENBLAS_CORETYPE`) stands.
    public static var replacedCore: String? {
        let environment = ProcessInfo.processInfo.environment
        // Inherited by a child that OpenBLAS then served otherwise (an operator's OPENBLAS_CORETYPE), it says nothing.
        guard let replaced = environment[replacedCoreVariable], coresWithoutAVX2.contains(replaced.lowercased()),
            environment["OPENBLAS_CORETYPE"] == core, !coresWithoutAVX2.contains(core.lowercased())
        else { return nil }
        return replaced
    }

    /// `core`, and when twindup chose it, which core OpenBLAS took by itself: for logs and benchmarks.
    public static var description: String {
        guard let replacedCore else { return "OpenBLAS's \(core) kernels" }
        return "OpenBLAS's \(core) kernels (chosen by twindup: OpenBLAS took \(replacedCore) for this processor)"
    }

    /// The processor's vector extensions, as far as OpenBLAS's x86-64 kernels care.
    public struct Features: Sendable, Equatable {
        /// AVX2 and FMA, enabled by the operating system.
        public var avx2FMA: Bool
        /// AVX-512 F, CD, BW, DQ and VL, enabled by the operating system.
        public var avx512: Bool

        public init(avx2FMA: Bool, avx512: Bool) {
            self.avx2FMA = avx2FMA
            self.avx512 = avx512
        }

        /// This processor's.
        public static var current: Features {
            Features(avx2FMA: twindup_cpu_has_avx2_fma() != 0, avx512: twindup_cpu_has_avx512_skylakex() != 0)
        }
    }

    /// OpenBLAS's x86-64 cores whose kernels use no AVX2 (lower-cased): a processor with AVX2 given one of these
    /// was not recognised.
    public static let coresWithoutAVX2: Set<String> = [
        "katmai", "coppermine", "northwood", "prescott", "banias", "atom", "core2", "penryn", "dunnington",
        "nehalem", "sandybridge", "athlon", "opteron", "opteron(sse3)", "barcelona", "bobcat", "bulldozer",
        "piledriver", "steamroller", "excavator",
    ]

    /// The `OPENBLAS_CORETYPE` that serves a processor with `features` better than the `detected` core, or nil
    /// when OpenBLAS's own choice stands: it recognised the processor, or the processor has no AVX2.
    public static func betterCore(detected: String, features: Features) -> String? {
        guard coresWithoutAVX2.contains(detected.lowercased()), features.avx2FMA else { return nil }
        return features.avx512 ? "SkylakeX" : "Haswell"
    }

    /// Starts this executable again with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to kernels older than the
    /// processor; returns only when it did not, or could not (the returned text says why; the process then runs
    /// on the slower kernels, correctly). An `OPENBLAS_CORETYPE` already set, by the operator or by the first
    /// start, is left alone, so this restarts at most once. Call it first thing in `main`, before any thread starts
    /// work: the new image replaces the process (same PID, arguments, environment and descriptors).
    public static func restartWithBetterKernelsIfNeeded() -> String? {
        if let set = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"], !set.isEmpty { return nil }
        let detected = core
        guard let better = betterCore(detected: detected, features: .current) else { return nil }
        guard setenv("OPENBLAS_CORETYPE", better, 1) == 0, setenv(replacedCoreVariable, detected, 1) == 0 else {
            return
                "cannot set OPENBLAS_CORETYPE (\(String(cString: strerror(errno)))); running OpenBLAS's \(detected) kernels"
        }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        let cause = String(cString: strerror(errno))
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(replacedCoreVariable)
        return "cannot restart with OpenBLAS's \(better) kernels (execv /proc/self/exe: \(cause)); running its "
            + "\(detected) kernels, slower"
    }
}
