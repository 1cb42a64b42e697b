import ArgumentParser

@main
struct Twindup: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "twindup",
        abstract: "Find near-duplicate images with a twin convolutional network."
    )
}
