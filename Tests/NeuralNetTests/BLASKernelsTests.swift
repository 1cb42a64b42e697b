import Foundation
import TestSupport
import Testing

@testable import NeuralNet

/// OpenBLAS falls back to SSE3 kernels on processors it does not know (Debian bookworm's 0.3.21 on recent Xeons),
/// which made every embedding nearly three times slower; twindup then restarts itself with the kernels the
/// processor can run.
@Suite struct BLASKernelsTests {
    @Test func anUnrecognisedProcessorGetsTheKernelsOfItsVectorExtensions() {
        let avx512 = BLASKernels.Features(avx2FMA: true, avx512: true)
        let avx2 = BLASKernels.Features(avx2FMA: true, avx512: false)
        let sse = BLASKernels.Features(avx2FMA: false, avx512: false)
        #expect(BLASKernels.betterCore(detected: "Prescott", features: avx512) == "SkylakeX")
        #expect(BLASKernels.betterCore(detected: "Prescott", features: avx2) == "Haswell")
        #expect(BLASKernels.betterCore(detected: "Nehalem", features: avx2) == "Haswell")
        // A processor without AVX2 runs what OpenBLAS chose; so does one OpenBLAS recognised.
        #expect(BLASKernels.betterCore(detected: "Prescott", features: sse) == nil)
        #expect(BLASKernels.betterCore(detected: "Sandybridge", features: sse) == nil)
        for recognised in ["Haswell", "SkylakeX", "Cooperlake", "Zen"] {
            #expect(BLASKernels.betterCore(detected: recognised, features: avx512) == nil, "\(recognised)")
        }
    }

    /// The real program, started without OPENBLAS_CORETYPE as a service would be: on a processor with AVX2 its
    /// products must not run on kernels without it, whatever OpenBLAS made of the processor's model.
    @Test func twindupRunsKernelsThatUseTheProcessorsVectorExtensions() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = nil
        let result = try BuiltExecutable(named: "twindup").run(
            ["bench", "neural", "--kernels"], environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        let core = try #require(Self.core(in: result), "\(result.standardOutput)")
        #expect(!result.standardError.contains("warning"), "\(result.standardError)")
        if BLASKernels.Features.current.avx2FMA {
            #expect(!BLASKernels.coresWithoutAVX2.contains(core.lowercased()), "\(core) on a processor with AVX2")
        }
        if BLASKernels.Features.current.avx512 { #expect(core != "Haswell", "AVX-512 processor given Haswell") }
        // When twindup replaced OpenBLAS's choice, it says which core it replaced: one without AVX2.
        if let replaced = Self.replacedCore(in: result) {
            #expect(BLASKernels.coresWithoutAVX2.contains(replaced.lowercased()), "\(result.standardOutput)")
            #expect(["SkylakeX", "Haswell"].contains(core), "\(result.standardOutput)")
        }
    }

    /// An operator's OPENBLAS_CORETYPE is obeyed, and the program does not restart itself in a loop.
    @Test func anOperatorsCoreTypeIsLeftAlone() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = "Prescott"
        // As a child of a restarted twindup would inherit it: it must not be reported as twindup's choice.
        environment["TWINDUP_OPENBLAS_REPLACED_CORE"] = "Nehalem"
        let result = try BuiltExecutable(named: "twindup").run(
            ["bench", "neural", "--kernels"], environment: environment)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(Self.core(in: result) == "Prescott", "\(result.standardOutput)")
        #expect(Self.replacedCore(in: result) == nil, "\(result.standardOutput)")
    }

    /// The word after `marker` on the `kernels:` line `twindup bench neural --kernels` prints.
    private static func word(after marker: String, in result: ProcessResult) -> String? {
        guard let line = result.outputLines.first(where: { $0.hasPrefix("kernels: ") }),
            let range = line.range(of: marker)
        else { return nil }
        return String(line[range.upperBound...].prefix { $0 != " " })
    }

    private static func replacedCore(in result: ProcessResult) -> String? {
        word(after: "OpenBLAS took ", in: result)
    }

    private static func core(in result: ProcessResult) -> String? {
        word(after: "kernels: OpenBLAS's ", in: result)
    }
}
