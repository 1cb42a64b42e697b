import ArgumentParser
import Foundation
import ImageIO

/// Decodes each file as the pipeline would and says what it found; a bad file is reported and skipped.
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Decode images and print their format, size, orientation and decode time.",
        discussion: """
            Every file is decoded in full. A file that cannot be decoded is reported on stderr with its cause and \
            the others are still decoded; the exit status is then 1.
            """
    )

    @Argument(help: "PNG or JPEG files (the format is read from the file's first bytes, not its name).")
    var files: [String]

    func validate() throws {
        if files.isEmpty { throw ValidationError("Name at least one image file.") }
    }

    func run() throws {
        let decoder = ImageDecoder()
        let clock = ContinuousClock()
        var failures = 0
        for path in files {
            let start = clock.now
            do {
                let image = try decoder.decode(fileAt: path)
                let elapsed = clock.now - start
                print(Self.line(for: image, path: path, elapsed: elapsed))
            } catch {
                failures += 1
                FileHandle.standardError.write(Data("twindup: \(error)\n".utf8))
            }
        }
        if failures > 0 {
            FileHandle.standardError.write(Data("twindup: \(failures) of \(files.count) files failed\n".utf8))
            throw ExitCode.failure
        }
    }

    static func line(for image: Image, path: String, elapsed: Duration) -> String {
        let milliseconds = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3
        var line = "\(path): \(image.format) \(image.width)x\(image.height), orientation \(image.orientation), "
        line += "decoded in \(String(format: "%.2f", milliseconds)) ms"
        if image.warningCount > 0 {
            line += ", \(image.warningCount) warning(s): \(image.firstWarning ?? "")"
        }
        return line
    }
}
