import ArgumentParser

struct BenchDecodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("twindup decode is not built yet")
    }
}
