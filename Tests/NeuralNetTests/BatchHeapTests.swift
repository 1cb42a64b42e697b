import TestSupport
import Testing

@testable import NeuralNet

/// twindup train, calibrate and eval set glibc's heap up for reuse before anything else runs; a setting glibc
/// refuses would leave training to fault in its tensors afresh every step (a fifth slower) with only a warning.
@Suite struct BatchHeapTests {
    @Test func glibcAcceptsEverySetting() {
        #expect(BatchHeap.keepFreedMemoryForReuse() == [])
    }

    /// A misspelt path would quietly lose the speed-up without changing any result, so each one must be a command
    /// the real program answers to.
    @Test(arguments: BatchHeap.commandPaths)
    func everyBatchCommandPathIsATwindupCommand(path: [String]) throws {
        let result = try BuiltExecutable(named: "twindup").run(path + ["--help"])
        #expect(result.status == 0, "twindup \(path.joined(separator: " ")) --help: \(result.standardError)")
        let usage = result.outputLines.first { $0.hasPrefix("USAGE:") }
        #expect(usage?.hasPrefix("USAGE: twindup \(path.joined(separator: " ")) ") == true, "\(result.standardOutput)")
    }

    @Test func batchCommandsAreTheTrainingAndEvaluationRunsOnly() {
        for batch in [
            ["train", "--data", "pictures", "--out", "model.safetensors"], ["calibrate"], ["eval", "--split", "test"],
            ["bench", "neural", "--input-side", "112"],
        ] {
            #expect(BatchHeap.isBatchCommand(batch), "\(batch)")
        }
        // The daemon and the interactive commands must give memory back after a large picture.
        for other in [
            [], ["watch", "/srv/drop"], ["scan", "train"], ["bench", "scan"], ["bench"], ["compare", "a", "b"],
            ["training"], ["--help"],
        ] {
            #expect(!BatchHeap.isBatchCommand(other), "\(other)")
        }
    }
}
