import ArgumentParser

/// Speed and memory measurements. Figures are reported as ratios against a baseline measured in the
/// same run, because the machines twindup is measured on are shared and noisy.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure decoding and network speed against baselines run alongside.",
        subcommands: [
            BenchDecodeCommand.self, BenchEmbedCommand.self, BenchNeuralCommand.self, BenchIndexCommand.self,
            BenchScanCommand.self,
            BenchWatchCommand.self,
        ]
    )
}
