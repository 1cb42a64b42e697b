import ArgumentParser

struct ReviewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Write a self-contained HTML page of the index's duplicate pairs and groups for a person to review.")

    func run() async throws {
        throw ValidationError("review is not built yet")
    }
}
