import Foundation

/// systemd's readiness protocol (sd_notify(3)) without libsystemd: datagrams of `KEY=value` lines to the socket in
/// `$NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace). Without the variable every call does nothing,
/// so the daemon runs the same by hand.
public final class SystemdNotifier: Sendable {
    private let descriptor: Int32?
    private let address: [UInt8]
    /// How often systemd expects WATCHDOG=1 (`WatchdogSec=`), when it expects it from this process.
    public let watchdogInterval: Duration?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let microseconds = environment["WATCHDOG_USEC"].flatMap(UInt64.init), microseconds > 0,
            environment["WATCHDOG_PID"].flatMap(Int32.init).map({ $0 == getpid() }) ?? true
        {
            watchdogInterval = .microseconds(microseconds)
        } else {
            watchdogInterval = nil
        }
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty,
            path.hasPrefix("/") || path.hasPrefix("@"), path.utf8.count < 108
        else {
            descriptor = nil
            address = []
            return
        }
        var bytes = Array(path.utf8)
        if bytes[0] == UInt8(ascii: "@") { bytes[0] = 0 }
        address = bytes
        let socketDescriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        descriptor = socketDescriptor >= 0 ? socketDescriptor : nil
    }

    deinit {
        if let descriptor { close(descriptor) }
    }

    public var isActive: Bool { descriptor != nil }

    /// Sends one message (`READY=1`, `STATUS=…`, several lines at once); returns whether it was delivered.
    @discardableResult
    public func notify(_ message: String) -> Bool {
        guard let descriptor else { return false }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            for (offset, byte) in address.enumerated() { path[offset] = byte }
        }
        // An abstract address is exactly as long as its bytes; a path may include its terminating NUL.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count)
        let payload = Array(message.utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                payload.withUnsafeBytes {
                    sendto(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), address, length)
                }
            }
        }
        return sent == payload.count
    }
}
