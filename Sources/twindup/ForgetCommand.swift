import ArgumentParser
import DuplicateIndex
import Foundation

struct ForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Remove a file, or every file under a folder, from the index (the files themselves stay).")

    @Argument(help: "A file or folder, as it was scanned (it need not exist any more).")
    var path: String

    @OptionGroup var indexOptions: IndexOptions

    func run() async throws {
        let index = try IndexLocation.open(index: indexOptions.index, model: indexOptions.model)
        let absolute: String
        if let resolved = realpath(path, nil) {
            absolute = String(cString: resolved)
            free(resolved)
        } else {
            absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        }
        let removed = try index.forget(RawPath(absolute))
        print("removed \(removed) file\(removed == 1 ? "" : "s") under \(absolute) from \(index.store.path)")
    }
}
