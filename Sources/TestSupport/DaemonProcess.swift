import Foundation
import Synchronization

/// Waits until `condition` holds, checking every `interval`, for at most `timeout` seconds; returns whether it did.
/// For waiting on another process, never for timing code.
public func waitUntil(
    timeout: Double, interval: Double = 0.05, _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() >= deadline { return false }
        Thread.sleep(forTimeInterval: interval)
    }
}

/// A program run in the background, as a daemon runs: standard output and error go to files, signals can be sent,
/// and its exit is awaited with a time limit.
public final class BackgroundProcess {
    public let process = Process()
    public let standardOutputPath: String
    public let standardErrorPath: String

    public init(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], logFolder: URL
    ) throws {
        let name = UUID().uuidString.prefix(8)
        standardOutputPath = logFolder.appendingPathComponent("stdout-\(name)").path
        standardErrorPath = logFolder.appendingPathComponent("stderr-\(name)").path
        for path in [standardOutputPath, standardErrorPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
            }
        }
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: standardOutputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: standardErrorPath))
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    public var processIdentifier: Int32 { process.processIdentifier }

    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// The exit status once the process has ended, or nil if it still runs after `timeout` seconds. A process
    /// ended by a signal reports 128 + the signal's number.
    public func waitForExit(timeout: Double) -> Int32? {
        guard waitUntil(timeout: timeout, { !process.isRunning }) else { return nil }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
    }

    public var standardError: String {
        (try? String(contentsOfFile: standardErrorPath, encoding: .utf8)) ?? ""
    }
}

/// A stand-in for systemd's notification socket: a datagram socket whose path goes in `NOTIFY_SOCKET`; every
/// message received is kept, in order.
public final class NotifySocketListener: Sendable {
    public let path: String
    private let descriptor: Int32
    private let received = Mutex<[String]>([])
    private let stopped = Atomic<Bool>(false)

    public init(folder: URL) throws {
        path = folder.appendingPathComponent("notify.sock").path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw POSIXError(.ENAMETOOLONG) }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (offset, byte) in bytes.enumerated() { raw[offset] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !stopped.load(ordering: .relaxed) {
                let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                if count > 0 {
                    let message = String(decoding: buffer[0..<count], as: UTF8.self)
                    received.withLock { $0.append(message) }
                }
            }
        }
        thread.start()
    }

    deinit {
        stopped.store(true, ordering: .relaxed)
        Thread.sleep(forTimeInterval: 0.15)
        close(descriptor)
        unlink(path)
    }

    /// Every message so far.
    public var messages: [String] { received.withLock { $0 } }

    /// The lines of every message so far (`READY=1`, `STATUS=…`).
    public var lines: [String] { messages.flatMap { $0.split(separator: "\n").map(String.init) } }

    /// Waits until a line equal to `line` (or, with `prefix`, starting with it) has arrived `count` times.
    public func waitFor(_ line: String, count: Int = 1, prefix: Bool = false, timeout: Double) -> Bool {
        waitUntil(timeout: timeout) {
            lines.filter { prefix ? $0.hasPrefix(line) : $0 == line }.count >= count
        }
    }
}

/// The lines of a JSON Lines file, each parsed; a line that is not a JSON object fails the read.
public enum JSONLines {
    public struct NotJSON: Error, CustomStringConvertible {
        public var line: String
        public var description: String { "not a JSON object: \(line)" }
    }

    public static func read(_ path: String) throws -> [[String: Any]] {
        guard var data = FileManager.default.contents(atPath: path) else { return [] }
        // A line still being written (no newline yet) is left for the next read.
        if let lastNewline = data.lastIndex(of: UInt8(ascii: "\n")) {
            data = data[...lastNewline]
        } else {
            data = Data()
        }
        return try data.split(separator: UInt8(ascii: "\n")).map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else {
                throw NotJSON(line: String(decoding: line, as: UTF8.self))
            }
            return object
        }
    }
}
