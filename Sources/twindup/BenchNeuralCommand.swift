import ArgumentParser

struct BenchNeuralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "neural", abstract: "Not built yet.")

    func run() async throws {
        throw ValidationError("twindup neural is not built yet")
    }
}
