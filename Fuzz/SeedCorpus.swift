import Foundation

/// Writes the seeds that Scripts/fuzz.sh does not take straight from the shared test pictures: OUTPUT/exif (EXIF
/// payloads, see `ExifSeeds`) and OUTPUT/jpeg (made JPEGs, see `JPEGSeeds`). A plain, uninstrumented tool.
///
///     seed-corpus OUTPUT-DIR PICTURE-DIR...
@main
struct SeedCorpus {
    static func main() throws {
        let arguments = Array(CommandLine.arguments.dropFirst())
        guard arguments.count >= 2 else {
            FileHandle.standardError.write(Data("usage: seed-corpus OUTPUT-DIR PICTURE-DIR...\n".utf8))
            exit(2)
        }
        let output = URL(fileURLWithPath: arguments[0], isDirectory: true)
        try write(ExifSeeds.all(foundIn: Array(arguments.dropFirst())), to: output.appendingPathComponent("exif"))
        try write(JPEGSeeds.all(), to: output.appendingPathComponent("jpeg"))
    }

    static func write(_ seeds: [(name: String, bytes: [UInt8])], to folder: URL) throws {
        try? FileManager.default.removeItem(at: folder)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for seed in seeds {
            try Data(seed.bytes).write(to: folder.appendingPathComponent(seed.name))
        }
        print("seed-corpus: \(seeds.count) seeds in \(folder.path)")
    }
}
