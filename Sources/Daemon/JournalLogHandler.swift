import Foundation
import Logging
import Synchronization

/// Diagnostics on standard error, one line per message, each written with a single `write`. When standard error
/// is not a terminal (systemd's journal, a log file), every line starts with the syslog priority `<N>`, which
/// journald reads as the message's level.
public struct JournalLogHandler: LogHandler {
    /// The level every handler honours; changed when the configuration is reloaded.
    public static let threshold = Atomic<UInt8>(UInt8(Logger.Level.allCases.firstIndex(of: .info)!))

    public static func setLevel(_ level: Logger.Level) {
        threshold.store(UInt8(Logger.Level.allCases.firstIndex(of: level)!), ordering: .relaxed)
    }

    private let label: String
    private let prefixed: Bool
    public var metadata: Logger.Metadata = [:]

    public var logLevel: Logger.Level {
        get { Logger.Level.allCases[Int(Self.threshold.load(ordering: .relaxed))] }
        set { Self.setLevel(newValue) }
    }

    public init(label: String, prefixed: Bool = isatty(STDERR_FILENO) == 0) {
        self.label = label
        self.prefixed = prefixed
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var text = event.message.description
        let fields = metadata.merging(event.metadata ?? [:]) { _, new in new }
        if !fields.isEmpty {
            text += " " + fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        // One message, one journal entry: a newline inside (a file name, say) must not start a new entry.
        text = text.replacingOccurrences(of: "\n", with: "\\n")
        let line: String
        if prefixed {
            line = "<\(Self.priority(event.level))>twindup: \(text)\n"
        } else {
            line = event.level >= .warning ? "twindup: \(event.level): \(text)\n" : "twindup: \(text)\n"
        }
        var bytes = Array(line.utf8)
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeMutableBytes {
                write(STDERR_FILENO, $0.baseAddress! + written, $0.count - written)
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            written += count
        }
    }

    /// syslog(3) priorities, as journald reads them.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
