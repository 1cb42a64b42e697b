import ArgumentParser

@main
struct Twindup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twindup",
        abstract: "Find near-duplicate images with a twin convolutional network.",
        subcommands: [InfoCommand.self, TrainCommand.self, DataCommand.self, BenchCommand.self]
    )
}
