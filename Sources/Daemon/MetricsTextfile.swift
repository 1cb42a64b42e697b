import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Writes the metrics to a file for node_exporter's textfile collector, every `interval` seconds and once more at
/// shutdown. Each write is atomic: a temporary file in the same folder (whose name does not end in `.prom`, so the
/// collector skips it), mode 0644, renamed over the file; a reader sees the old file or the new one, never half of
/// one. A failure (a missing folder, a read-only file system) is logged once per distinct error and never stops
/// the daemon; the next write tries again.
///
/// The path and the interval change on reload.
final class MetricsTextfile: Sendable {
    private struct Settings {
        var path: String?
        var interval: Double
    }

    private let settings: Mutex<Settings>
    private let lastError = Mutex<String?>(nil)
    private let render: @Sendable () -> String
    private let logger: Logger

    init(path: String?, interval: Double, logger: Logger, render: @escaping @Sendable () -> String) {
        settings = Mutex(Settings(path: path, interval: interval))
        self.logger = logger
        self.render = render
    }

    var path: String? { settings.withLock { $0.path } }
    var interval: Double { settings.withLock { $0.interval } }

    /// Applies reloaded settings and says what changed; a new file is written at once.
    func update(path: String?, interval: Double) {
        let old = settings.withLock { settings in
            defer { settings = Settings(path: path, interval: interval) }
            return settings
        }
        if old.interval != interval { logger.notice("metrics file is now written every \(interval) s") }
        if old.path != path {
            logger.notice("metrics file is now \(path ?? "none")")
            lastError.withLock { $0 = nil }
            writeNow()
        }
    }

    /// Writes the file now, when there is one.
    func writeNow() {
        guard let path else { return }
        do {
            try Self.replace(path, with: Array(render().utf8))
            let previous = lastError.withLock { error in
                defer { error = nil }
                return error
            }
            if previous != nil { logger.notice("metrics file \(path) written again") }
        } catch {
            let message = "\(error)"
            let isNew = lastError.withLock { last in
                defer { last = message }
                return last != message
            }
            if isNew { logger.warning("\(message); the daemon goes on and tries again at the next interval") }
        }
    }

    /// Puts `bytes` at `path` by way of a temporary file beside it and a rename.
    static func replace(_ path: String, with bytes: [UInt8]) throws(MetricsFileError) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var template = Array("\(folder == "/" ? "" : folder)/.\(name).XXXXXX".utf8CString)
        let descriptor = mkstemp(&template)
        guard descriptor >= 0 else { throw MetricsFileError(path, "create a temporary file in \(folder)", errno) }
        // The daemon runs no other program; close-on-exec is set all the same, for good measure.
        guard fcntl(descriptor, F_SETFD, FD_CLOEXEC) == 0 else {
            let number = errno
            close(descriptor)
            unlink(String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            throw MetricsFileError(path, "create a temporary file in \(folder)", number)
        }
        let temporary = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var renamed = false
        var isOpen = true
        defer {
            if isOpen { close(descriptor) }
            if !renamed { unlink(temporary) }
        }
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw MetricsFileError(path, "write a temporary file in \(folder)", errno)
            }
            written += count
        }
        // mkostemp makes the file 0600; the collector runs as another user.
        guard fchmod(descriptor, 0o644) == 0 else {
            throw MetricsFileError(path, "make the temporary file readable", errno)
        }
        isOpen = false
        guard close(descriptor) == 0 else { throw MetricsFileError(path, "write a temporary file in \(folder)", errno) }
        guard rename(temporary, path) == 0 else {
            throw MetricsFileError(path, "rename the temporary file into place", errno)
        }
        renamed = true
    }
}

/// The metrics file could not be written. The description leaves out the temporary file's random name, so that the
/// same trouble reads the same every time (it is logged once).
struct MetricsFileError: Error, Sendable, CustomStringConvertible {
    var path: String
    var operation: String
    var errorNumber: Int32

    init(_ path: String, _ operation: String, _ errorNumber: Int32) {
        self.path = path
        self.operation = operation
        self.errorNumber = errorNumber
    }

    var description: String {
        "cannot write the metrics file \(path): \(operation): \(String(cString: strerror(errorNumber)))"
    }
}

/// Writes the metrics file at its interval while the daemon runs. It looks at the interval at least every 5 s, so
/// that a reloaded one takes effect soon.
struct MetricsTextfileService: Service {
    let textfile: MetricsTextfile

    func run() async throws {
        let clock = ContinuousClock()
        var last = clock.now
        textfile.writeNow()
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let interval = Duration.seconds(textfile.interval)
            let wait = min(interval - (clock.now - last), .seconds(5))
            if wait > .zero { try? await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) } }
            if clock.now - last >= .seconds(textfile.interval) && !Task.isShuttingDownGracefully {
                textfile.writeNow()
                last = clock.now
            }
        }
    }
}
