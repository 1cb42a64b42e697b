import Foundation
import Glibc
import Logging
import Synchronization

/// Serves the metrics over HTTP from a thread of its own, with POSIX sockets: one `poll` loop over the listening
/// socket, a wake-up pipe and up to `maxClients` connections, all non-blocking. A client that sends nothing, sends
/// slowly or does not read its answer holds only its own slot until its deadline (`timeoutSeconds`), so it never
/// delays other scrapes, and nothing here ever waits for the indexer: the metrics are read from atomics.
///
/// The socket is bound in `init`, before the daemon loads anything, so that an address in use fails start-up at
/// once; the thread starts later, and connections wait in the backlog meanwhile.
final class MetricsListener: Sendable {
    /// The address listened on, with the port the system picked when port 0 was asked for.
    let address: ListenAddress
    static let maxClients = 16
    static let timeoutSeconds = 5.0

    private let listening: Int32
    private let wakePipe: WakePipe
    private let started = Atomic<Bool>(false)
    private let stopRequested = Atomic<Bool>(false)
    private let finished = ThreadCompletion()

    init(_ requested: ListenAddress) throws(DaemonError) {
        func failure(_ operation: String, _ number: Int32) -> DaemonError {
            DaemonError.metricsListen(requested, operation: operation, errorNumber: number)
        }
        let family = requested.family == .ipv4 ? AF_INET : AF_INET6
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        let descriptor = socket(family, socketType, 0)
        guard descriptor >= 0 else { throw failure("socket", errno) }
        do throws(DaemonError) {
            var on: Int32 = 1
            let size = socklen_t(MemoryLayout<Int32>.size)
            // A restart finds the port free although the last run's connections linger in TIME_WAIT.
            guard setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, size) == 0 else {
                throw failure("setsockopt", errno)
            }
            if requested.family == .ipv6 {
                guard setsockopt(descriptor, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &on, size) == 0 else {
                    throw failure("setsockopt", errno)
                }
            }
            guard Self.withSocketAddress(of: requested, { bind(descriptor, $0, $1) }) == 0 else {
                throw failure("bind", errno)
            }
            guard listen(descriptor, 16) == 0 else { throw failure("listen", errno) }
            address = try Self.boundAddress(of: descriptor, requested: requested)
            do {
                wakePipe = try WakePipe()
            } catch {
                throw failure(error.operation, error.errorNumber)
            }
        } catch {
            close(descriptor)
            throw error
        }
        listening = descriptor
    }

    deinit {
        // The thread closes the listening socket when it ends; one never started leaves it here.
        if !started.load(ordering: .acquiring) { close(listening) }
    }

    /// Starts serving on the thread; `metrics` renders the exposition text for each scrape.
    func start(logger: Logger, metrics: @escaping @Sendable () -> String) {
        guard !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let thread = Thread { [self] in
            serve(logger: logger, metrics: metrics)
            close(listening)
            finished.finish()
        }
        thread.name = "twindup-metrics"
        thread.start()
    }

    /// Asks the thread to stop: it drops its connections and closes the socket.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        wakePipe.wake()
    }

    /// Waits until the thread has ended (at once when it never started).
    func waitUntilFinished() async {
        guard started.load(ordering: .acquiring) else { return }
        await finished.wait()
    }

    // MARK: - The thread

    private struct Client {
        var descriptor: Int32
        var received: [UInt8] = []
        /// The response, once the request is read; sending it is all that is left.
        var response: [UInt8]?
        var sent = 0
        /// Answered: the write side is shut and what the client still sends is read and dropped until it closes,
        /// so that closing with unread bytes does not reset the connection before the client read its answer.
        var draining = false
        var deadline: Double

        var events: Int16 { Int16(response == nil || draining ? POLLIN : POLLOUT) }
    }

    /// How long an answered client may take to close its side.
    static let drainSeconds = 1.0

    private func serve(logger: Logger, metrics: @Sendable () -> String) {
        var clients: [Client] = []
        /// Set when accepting failed for want of descriptors: the waiting connection would wake `poll` at once,
        /// again and again, so the listening socket rests until then.
        var acceptingAgainAt: Double?
        defer { for client in clients { close(client.descriptor) } }
        while !stopRequested.load(ordering: .acquiring) {
            if let again = acceptingAgainAt, again <= Self.now { acceptingAgainAt = nil }
            let accepting = clients.count < Self.maxClients && acceptingAgainAt == nil
            var descriptors = [
                pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0),
                pollfd(fd: accepting ? listening : -1, events: Int16(POLLIN), revents: 0),
            ]
            for client in clients {
                descriptors.append(pollfd(fd: client.descriptor, events: client.events, revents: 0))
            }
            let nextDeadline = (clients.map(\.deadline) + [acceptingAgainAt].compactMap { $0 }).min()
            let timeout = nextDeadline.map { Int32(min(max(0, ($0 - Self.now) * 1000).rounded(.up), 60_000)) } ?? -1
            if poll(&descriptors, nfds_t(descriptors.count), timeout) < 0 {
                if errno == EINTR { continue }
                logger.error("metrics listener: poll failed: \(String(cString: strerror(errno))); it stops serving")
                return
            }
            if descriptors[0].revents != 0 { wakePipe.drain() }
            let now = Self.now
            var open: [Client] = []
            for (index, var client) in clients.enumerated() {
                let events = descriptors[index + 2].revents
                var keep = true
                if events != 0 { keep = advance(&client, now: now, metrics: metrics) }
                if keep && client.deadline <= now {
                    if client.response == nil {
                        // Best effort: a client that sent nothing in time may still read why it is dropped.
                        _ = Self.transmit(MetricsHTTP.timeoutResponse[...], to: client.descriptor)
                    }
                    keep = false
                }
                if keep { open.append(client) } else { close(client.descriptor) }
            }
            clients = open
            if descriptors[1].revents != 0 && !accept(into: &clients, now: now, logger: logger) {
                acceptingAgainAt = now + 1
            }
        }
    }

    /// Reads from or writes to a ready client; false once it is done with (answered, gone or broken).
    private func advance(_ client: inout Client, now: Double, metrics: @Sendable () -> String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 4096)
        if client.draining {
            let count = recv(client.descriptor, &buffer, buffer.count, 0)
            if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            return count > 0
        }
        if client.response == nil {
            let count = recv(client.descriptor, &buffer, buffer.count, 0)
            if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
            if count == 0 { return false }
            client.received += buffer[..<count]
            let request = MetricsHTTP.request(from: client.received)
            guard request != .incomplete else { return true }
            client.response = MetricsHTTP.response(to: request, metrics: metrics)
            client.deadline = now + Self.timeoutSeconds
        }
        guard let response = client.response else { return true }
        let count = Self.transmit(response[client.sent...], to: client.descriptor)
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        client.sent += count
        if client.sent == response.count {
            // A failure here means the connection is broken already: close it.
            guard shutdown(client.descriptor, Int32(SHUT_WR)) == 0 else { return false }
            client.draining = true
            client.deadline = now + Self.drainSeconds
        }
        return true
    }

    /// Accepts the waiting connections; false when the process or system is out of descriptors.
    private func accept(into clients: inout [Client], now: Double, logger: Logger) -> Bool {
        while clients.count < Self.maxClients {
            let descriptor = Glibc.accept(listening, nil, nil)
            if descriptor < 0 {
                // EAGAIN: no one else is waiting. ECONNABORTED: that client gave up. Anything else leaves the
                // connection to a later round.
                let number = errno
                if number == EAGAIN || number == EWOULDBLOCK || number == EINTR || number == ECONNABORTED {
                    return true
                }
                logger.debug("metrics listener: accept: \(String(cString: strerror(number)))")
                return number != EMFILE && number != ENFILE && number != ENOBUFS && number != ENOMEM
            }
            // The daemon runs no other program, so close-on-exec set after the accept cannot leak the socket.
            guard fcntl(descriptor, F_SETFD, FD_CLOEXEC) == 0, fcntl(descriptor, F_SETFL, O_NONBLOCK) == 0 else {
                logger.debug("metrics listener: fcntl: \(String(cString: strerror(errno)))")
                close(descriptor)
                continue
            }
            clients.append(Client(descriptor: descriptor, deadline: now + Self.timeoutSeconds))
        }
        return true
    }

    /// `send` without SIGPIPE (a client that hung up must not kill the daemon).
    private static func transmit(_ bytes: ArraySlice<UInt8>, to descriptor: Int32) -> Int {
        bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    private static var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Calls `body` with the C socket address of `address`.
    private static func withSocketAddress<Result>(
        of address: ListenAddress, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result
    ) -> Result {
        switch address.family {
        case .ipv4:
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = address.port.bigEndian
            withUnsafeMutableBytes(of: &socketAddress.sin_addr) { $0.copyBytes(from: address.address) }
            return passing(&socketAddress, to: body)
        case .ipv6:
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = address.port.bigEndian
            withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { $0.copyBytes(from: address.address) }
            return passing(&socketAddress, to: body)
        }
    }

    /// Calls `body` with a family-specific socket address seen as the generic `sockaddr`, and its size.
    private static func passing<Address, Result>(
        _ socketAddress: inout Address, to body: (UnsafePointer<sockaddr>, socklen_t) -> Result
    ) -> Result {
        withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<Address>.size)) }
        }
    }

    /// The address as bound: the same, with the port the system chose for port 0.
    private static func boundAddress(
        of descriptor: Int32, requested: ListenAddress
    ) throws(DaemonError)
        -> ListenAddress
    {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard result == 0 else {
            throw DaemonError.metricsListen(requested, operation: "getsockname", errorNumber: errno)
        }
        var bound = requested
        // sin_port and sin6_port sit at the same offset, just after the family.
        bound.port = withUnsafeBytes(of: &storage) { UInt16(bigEndian: $0.load(fromByteOffset: 2, as: UInt16.self)) }
        return bound
    }
}

extension DaemonError {
    /// The metrics listener cannot listen where it was told: a configuration problem.
    static func metricsListen(_ address: ListenAddress, operation: String, errorNumber: Int32) -> DaemonError {
        var message =
            "metrics_listen \(address): cannot listen (\(operation)): \(String(cString: strerror(errorNumber)))"
        switch errorNumber {
        case EADDRINUSE:
            message += "; another program (another twindup, an exporter) listens there already: pick another port"
        case EACCES where address.port < 1024:
            message += "; ports below 1024 need a privilege the daemon does not have: pick 1024 or above"
        case EAFNOSUPPORT, EPERM, EACCES:
            message +=
                "; under twindup.service, the sandbox allows no network: add the drop-in shown in the service's "
                + "README (RestrictAddressFamilies=, PrivateNetwork=), or use metrics_textfile instead"
        case EADDRNOTAVAIL:
            message += "; the address is not one of this host's"
        default: break
        }
        return DaemonError(message, isConfigurationProblem: true)
    }
}
