import ArgumentParser

struct DismissCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dismiss",
        abstract: "Record that two pictures are not duplicates, so that the pair is never reported again.")

    func run() async throws {
        throw ValidationError("dismiss is not built yet")
    }
}
