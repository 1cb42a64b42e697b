import ArgumentParser

@main
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
