import Foundation

/// Where the metrics listener accepts connections: an IP address and a TCP port.
///
/// The metrics are served without authentication, so the default is this host only: a value without a host
/// (`9464` or `:9464`) listens on 127.0.0.1, and `localhost` means 127.0.0.1. Any other address must be written
/// out as an IP literal (`0.0.0.0:9464`, `[::]:9464`, `192.0.2.7:9464`): host names are not looked up, so a name
/// that resolves elsewhere cannot open the port beyond this host by accident. Port 0 picks a free port, which the
/// daemon logs.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public enum Family: Sendable, Equatable {
        case ipv4, ipv6
    }

    public var family: Family
    /// The address in network byte order: 4 bytes for IPv4, 16 for IPv6.
    public var address: [UInt8]
    public var port: UInt16

    /// Reads `host:port`, `[ipv6]:port`, `:port` or `port`; the error says what is wrong, in words.
    public init(parsing text: String) throws(ListenAddressError) {
        let portText: Substring
        var host: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw ListenAddressError(text, "] missing after [") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ListenAddressError(text, "a port must follow ]:") }
            portText = rest.dropFirst()
            guard host.contains(":") else { throw ListenAddressError(text, "brackets are for IPv6 addresses") }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") { throw ListenAddressError(text, "write an IPv6 address in brackets: [::1]:9464") }
        } else {
            host = ""
            portText = text[...]
        }
        guard portText.allSatisfy({ ("0"..."9").contains($0) }), let port = UInt16(portText) else {
            throw ListenAddressError(text, "the port must be a number from 0 to 65535")
        }
        self.port = port
        if host.isEmpty || host == "localhost" { host = "127.0.0.1" }
        if let bytes = Self.bytes(of: String(host), family: AF_INET, count: 4) {
            family = .ipv4
            address = bytes
        } else if let bytes = Self.bytes(of: String(host), family: AF_INET6, count: 16) {
            family = .ipv6
            address = bytes
        } else {
            throw ListenAddressError(text, "\(host) is not an IP address (names are not looked up)")
        }
    }

    /// 127.0.0.0/8, ::1, or an IPv4-mapped loopback address.
    public var isLoopback: Bool {
        switch family {
        case .ipv4: return address[0] == 127
        case .ipv6:
            if address == Array(repeating: 0, count: 15) + [1] { return true }
            return Array(address.prefix(12)) == Array(repeating: 0, count: 10) + [0xFF, 0xFF] && address[12] == 127
        }
    }

    /// `127.0.0.1:9464` or `[::1]:9464`.
    public var description: String { hostText + ":\(port)" }

    /// The address alone, IPv6 in brackets, as in a URL.
    public var hostText: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let text = address.withUnsafeBytes { bytes in
            inet_ntop(family == .ipv4 ? AF_INET : AF_INET6, bytes.baseAddress, &buffer, socklen_t(buffer.count))
        }
        // inet_ntop fails only for a buffer too small or an unknown family, neither of which can happen here.
        let host =
            text == nil ? "?" : String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return family == .ipv4 ? host : "[\(host)]"
    }

    private static func bytes(of host: String, family: Int32, count: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { inet_pton(family, host, $0.baseAddress) }
        return result == 1 ? bytes : nil
    }
}

/// A `metrics_listen` value that is not an address to listen on.
public struct ListenAddressError: Error, Sendable, CustomStringConvertible {
    public var text: String
    public var reason: String

    init(_ text: String, _ reason: String) {
        self.text = text
        self.reason = reason
    }

    public var description: String { "\"\(text)\" is not an address to listen on: \(reason)" }
}
