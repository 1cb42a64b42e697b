import ArgumentParser

struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("twindup info is not built yet")
    }
}
