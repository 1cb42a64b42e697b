import ArgumentParser
import Foundation
import NeuralNet

@main
enum TwindupMain {
    static func main() async {
        // First: a restart replaces the process, so nothing before it may have started work.
        if let failed = BLASKernels.restartWithBetterKernelsIfNeeded() {
            FileHandle.standardError.write(Data("twindup: warning: \(failed)\n".utf8))
        }
        // Before the first await: glibc's arena limit binds only threads that have not allocated yet.
        if BatchHeap.isBatchCommand(Array(CommandLine.arguments.dropFirst())) {
            for failed in BatchHeap.keepFreedMemoryForReuse() {
                FileHandle.standardError.write(Data("twindup: warning: glibc refused \(failed); running slower\n".utf8))
            }
        }
        await Twindup.main()
    }
}

struct Twindup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twindup",
        abstract: "Find near-duplicate images with a twin convolutional network.",
        version: TwindupVersion.release,
        subcommands: [
            InfoCommand.self, CompareCommand.self, ScanCommand.self, WatchCommand.self, QueryCommand.self,
            ForgetCommand.self, ReviewCommand.self, DismissCommand.self,
            ReindexCommand.self, StatsCommand.self, TrainCommand.self, CalibrateCommand.self, EvalCommand.self,
            DataCommand.self,
            BenchCommand.self, ManualCommand.self,
        ]
    )
}
