import ArgumentParser
import DuplicateIndex
import Foundation

struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Print what the index holds.")

    @OptionGroup var indexOptions: IndexOptions

    func run() async throws {
        let index = try IndexLocation.open(index: indexOptions.index, model: indexOptions.model)
        let statistics = try index.store.statistics()
        print(
            """
            index           \(index.store.path)
            schema version  \(statistics.schemaVersion)
            model           \(statistics.modelID)
            files           \(statistics.files)
            embedded        \(statistics.embedded)
            decode errors   \(statistics.decodeErrors)
            other model     \(statistics.otherModel)\(statistics.otherModel > 0 ? " (run twindup reindex)" : "")
            exact findings  \(statistics.exactFindings)
            near findings   \(statistics.nearFindings)
            size on disk    \(String(format: "%.1f MiB", Double(statistics.bytesOnDisk) / 1_048_576))
            in memory       \(String(format: "%.1f MiB", Double(index.searchMemoryBytes) / 1_048_576)) of embeddings
            """)
    }
}
