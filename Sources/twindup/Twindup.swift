import ArgumentParser
import Foundation
import NeuralNet

@main
enum TwindupMain {
    /// The commands that stream the engine's tensors batch after batch, which run faster with `BatchHeap`: train,
    /// calibrate, eval, and bench neural, which times training. The daemon and scan keep glibc's defaults.
    static let batchCommandPaths = [["train"], ["calibrate"], ["eval"], ["bench", "neural"]]

    static func usesBatchHeap(_ arguments: [String]) -> Bool {
        batchCommandPaths.contains { path in
            arguments.count >= path.count && Array(arguments.prefix(path.count)) == path
        }
    }

    static func main() async {
        // Before the first await: glibc's arena limit binds only threads that have not allocated yet.
        if usesBatchHeap(Array(CommandLine.arguments.dropFirst())) {
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
