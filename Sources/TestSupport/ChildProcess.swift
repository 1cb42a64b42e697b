import Foundation

/// Runs a program as a real child process and collects what it wrote.
public enum ChildProcess {
    /// Runs `executable` to completion with `arguments`, in `environment` (default: the tests' own).
    public static func run(
        _ executable: URL, _ arguments: [String], environment: [String: String]? = nil
    ) throws -> ProcessResult {
        // Files rather than pipes: a pipe nobody drains while the process runs can fill and block it.
        let scratch = try TestData.makeScratchDirectory()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("stdout")
        let errorURL = scratch.appendingPathComponent("stderr")
        for file in [outputURL, errorURL] {
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
        }
        let output = try FileHandle(forWritingTo: outputURL)
        let errors = try FileHandle(forWritingTo: errorURL)
        defer {
            try? output.close()
            try? errors.close()
        }
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        return ProcessResult(
            status: process.terminationStatus, outputData: try Data(contentsOf: outputURL),
            standardError: String(decoding: try Data(contentsOf: errorURL), as: UTF8.self))
    }

    /// A program found on `$PATH`, such as a tool from a Debian package listed in Scripts/apt-packages.txt.
    public static func program(named name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map {
            URL(fileURLWithPath: String($0)).appendingPathComponent(name)
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw ProgramMissing(name: name, searched: candidates.map(\.path))
        }
        return found
    }
}

/// What a finished process wrote and how it exited.
public struct ProcessResult: Sendable {
    public var status: Int32
    public var outputData: Data
    public var standardError: String

    public var standardOutput: String { String(decoding: outputData, as: UTF8.self) }
    public var outputLines: [String] { standardOutput.split(separator: "\n").map(String.init) }
    public var errorLines: [String] { standardError.split(separator: "\n").map(String.init) }
}

/// A program the tests run is not installed or not built.
public struct ProgramMissing: Error, CustomStringConvertible {
    public var name: String
    public var searched: [String]
    public var description: String { "\(name) not found (looked for \(searched.joined(separator: ", ")))" }
}
