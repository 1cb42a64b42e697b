import CInotifyTools
import DuplicateIndex
import Foundation
import Logging
import Synchronization

/// A folder could not be watched.
public struct WatchError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var errorNumber: Int32

    public var description: String {
        if errorNumber == ENOSPC {
            return "\(path): cannot watch: the inotify watch limit is reached (\(Watcher.watchLimits)); raise it "
                + "with `sysctl -w fs.inotify.max_user_watches=1048576` and keep it in "
                + "/etc/sysctl.d/90-twindup-inotify.conf"
        }
        return "\(path): cannot watch: \(String(cString: strerror(errorNumber)))"
    }
}

/// The one thread that owns libinotifytools (it keeps global state and is not thread-safe). It adds the watches,
/// reads one event at a time without blocking (the library's multi-event read spins), sleeps in `poll` until the
/// next event, settle deadline or stop request (so an idle daemon uses no CPU), and hands what it makes of the
/// events to the indexer through the bounded `EventQueue`. This file is the only one that calls the library.
final class Watcher: Sendable {
    /// What the watches cover once set up.
    struct Setup: Sendable {
        var watchedFolders: Int
        /// Folders the watch limit left out: a periodic rescan covers them.
        var incomplete: Bool
    }

    /// Only one watcher per process: the library's state is global.
    private static let running = Atomic<Bool>(false)

    static var maxUserWatches: Int? { number(in: "/proc/sys/fs/inotify/max_user_watches") }

    /// The limits in force: the system's, and the lower one of this user namespace (a container's) when set.
    static var watchLimits: String {
        let system = "fs.inotify.max_user_watches = \(maxUserWatches.map(String.init) ?? "unknown")"
        guard let namespace = number(in: "/proc/sys/user/max_inotify_watches"), let maxUserWatches,
            namespace < maxUserWatches
        else { return system }
        return system + "; this user namespace allows \(namespace), user.max_inotify_watches"
    }

    private static func number(in file: String) -> Int? {
        (try? String(contentsOfFile: file, encoding: .utf8)).flatMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// The events every watch asks for. IN_ONLYDIR: a folder replaced by a file between the walk and the watch is
    /// not watched; IN_DONT_FOLLOW: symbolic links are never followed out of the tree.
    private static let watchMask = Int32(
        IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB
            | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK)
    /// How long a MOVED_FROM waits for its MOVED_TO before it counts as a move out of the tree.
    private static let renamePairingMilliseconds: Int32 = 20
    /// Watches of folders that left the tree are renamed below this prefix, which no real path has.
    private static let abandonedPrefix = "\u{1}twindup-abandoned/"

    private let roots: [RawPath]
    /// How often folders the watch limit left out are rescanned (said in the error, done by the daemon).
    private let unwatchedRescanSeconds: Double
    private let queue: EventQueue
    private let counters: DaemonCounters
    private let logger: Logger
    private let settleSeconds: Atomic<UInt64>
    private let stopRequested = Atomic<Bool>(false)
    private let wakePipe: WakePipe
    private let finished = ThreadCompletion()

    init(
        roots: [RawPath], settleSeconds: Double, unwatchedRescanSeconds: Double, queue: EventQueue,
        counters: DaemonCounters, logger: Logger
    ) throws {
        self.roots = roots
        self.unwatchedRescanSeconds = unwatchedRescanSeconds
        self.queue = queue
        self.counters = counters
        self.logger = logger
        self.settleSeconds = Atomic(settleSeconds.bitPattern)
        do {
            wakePipe = try WakePipe()
        } catch {
            throw WatchError(path: "(wake-up pipe)", errorNumber: error.errorNumber)
        }
    }

    /// Starts the thread: it creates the inotify instance, watches every root recursively and returns what is
    /// covered; from then on events flow into the queue until `stop`.
    func start() async throws -> Setup {
        guard !Self.running.exchange(true, ordering: .acquiringAndReleasing) else {
            throw WatchError(path: "(inotify)", errorNumber: EBUSY)
        }
        return try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { [self] in
                run(reportingSetupTo: continuation)
                Self.running.store(false, ordering: .releasing)
                queue.finish()
                finished.finish()
            }
            thread.name = "twindup-inotify"
            thread.start()
        }
    }

    /// Asks the thread to stop; it finishes the queue on its way out.
    func stop() {
        stopRequested.store(true, ordering: .releasing)
        wake()
    }

    /// Waits until the thread has ended.
    func waitUntilFinished() async {
        await finished.wait()
    }

    /// Applies a new settle time (configuration reloaded).
    func setSettleSeconds(_ seconds: Double) {
        settleSeconds.store(seconds.bitPattern, ordering: .relaxed)
        wake()
    }

    /// Ends the thread's `poll` so that it looks at its settings and stop flag again.
    private func wake() {
        wakePipe.wake()
    }

    // MARK: - The thread

    private func run(reportingSetupTo setup: CheckedContinuation<Setup, any Error>) {
        let before = Self.inotifyDescriptors()
        guard inotifytools_initialize() != 0 else {
            setup.resume(throwing: WatchError(path: "(inotify)", errorNumber: Int32(inotifytools_error())))
            return
        }
        defer { inotifytools_cleanup() }
        // The library opens its descriptor without close-on-exec and does not expose it: find it by difference.
        guard let descriptor = Self.inotifyDescriptors().subtracting(before).first,
            fcntl(descriptor, F_SETFD, FD_CLOEXEC) == 0
        else {
            setup.resume(throwing: WatchError(path: "(inotify descriptor)", errorNumber: EBADF))
            return
        }
        var incomplete = false
        for root in roots {
            if let error = watch(root) {
                guard error.errorNumber == ENOSPC else {
                    setup.resume(throwing: error)
                    return
                }
                logger.error(
                    """
                    \(error); until then, the folders left unwatched are found by rescans every \
                    \(Self.seconds(unwatchedRescanSeconds)) s
                    """)
                incomplete = true
            }
        }
        let folders = Int(inotifytools_get_num_watches())
        counters.watchedFolders.store(folders, ordering: .relaxed)
        counters.watchesIncomplete.store(incomplete, ordering: .relaxed)
        setup.resume(returning: Setup(watchedFolders: folders, incomplete: incomplete))
        loop(descriptor: descriptor)
    }

    private func loop(descriptor: Int32) {
        var interpreter = EventInterpreter(roots: roots, settleSeconds: currentSettleSeconds)
        while !stopRequested.load(ordering: .acquiring) {
            interpreter.settle.settleSeconds = currentSettleSeconds
            var readAny = false
            while let event = inotifytools_next_events(0, 1) {
                readAny = true
                handle(event, with: &interpreter)
                if stopRequested.load(ordering: .relaxed) { return }
            }
            let error = inotifytools_error()
            if error != 0 && error != EINTR {
                logger.critical("reading inotify events failed: \(String(cString: strerror(error)))")
                return
            }
            if !readAny && interpreter.hasPendingMove { interpreter.endPendingMove() }
            interpreter.settleDue(at: Self.now, identity: FileIdentity.ofRegularFile)
            publish(&interpreter)
            var descriptors = [
                pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0),
            ]
            let ready = poll(&descriptors, 2, timeout(for: interpreter))
            if ready < 0 && errno != EINTR {
                logger.critical("waiting for inotify events failed: \(String(cString: strerror(errno)))")
                return
            }
            if descriptors[1].revents != 0 { wakePipe.drain() }
        }
    }

    private var currentSettleSeconds: Double { Double(bitPattern: settleSeconds.load(ordering: .relaxed)) }

    private func timeout(for interpreter: EventInterpreter) -> Int32 {
        if interpreter.hasPendingMove { return Self.renamePairingMilliseconds }
        guard let deadline = interpreter.settle.nextDeadline else { return -1 }
        return Int32(min(max(0, (deadline - Self.now) * 1000).rounded(.up), 3_600_000))
    }

    private func handle(_ pointer: UnsafeMutablePointer<inotify_event>, with interpreter: inout EventInterpreter) {
        let event = pointer.pointee
        let mask = InotifyMask(rawValue: event.mask)
        // The name follows the fixed header, NUL-padded to `len` bytes.
        let nameBytes = UnsafeRawBufferPointer(
            start: UnsafeRawPointer(pointer) + MemoryLayout<inotify_event>.size, count: Int(event.len))
        let name = Array(nameBytes.prefix { $0 != 0 })
        let folder = event.wd >= 0 ? folderPath(of: event.wd) : nil
        if mask.contains(.ignored) {
            // The kernel dropped this watch (folder deleted or unmounted): no path may map to it any more.
            if let folder { abandon(folder) }
            return
        }
        interpreter.handle(
            RawEvent(mask: mask, cookie: event.cookie, folder: folder, name: name), at: Self.now,
            identity: FileIdentity.ofRegularFile)
        publish(&interpreter)
    }

    /// Hands events to the queue and carries out the watch commands, in order.
    private func publish(_ interpreter: inout EventInterpreter) {
        let (events, commands) = interpreter.take()
        for command in commands {
            switch command {
            case .watch(let folder):
                if let error = watch(folder) {
                    if error.errorNumber == ENOSPC {
                        logger.error(
                            "\(error); until then, it is found by rescans every \(Self.seconds(unwatchedRescanSeconds)) s"
                        )
                        counters.watchesIncomplete.store(true, ordering: .relaxed)
                    } else if error.errorNumber != ENOENT {
                        logger.warning("\(error); its files are found by rescans only")
                    }
                }
                counters.watchedFolders.store(Int(inotifytools_get_num_watches()), ordering: .relaxed)
                // Files written before the watch existed give no event, and one being written gives its close
                // later: settling both reads each once, complete.
                let now = Self.now
                for file in PictureFiles.list(under: folder) where FileNames.isIndexable(file.path) {
                    interpreter.settle.changed(file.path, at: now, identity: file.identity)
                }
            case .rename(let source, let destination):
                source.appending([]).withCString { old in
                    destination.appending([]).withCString { new in inotifytools_replace_filename(old, new) }
                }
            case .abandon(let folder):
                abandon(folder)
            case .rootLost(let root):
                logger.error("\(root): the watched folder was deleted, moved or unmounted; its files leave the index")
            }
        }
        for event in events {
            switch event {
            case .rescan(let reason):
                queue.offer(rescan: reason)
            default:
                if !queue.offer(event) {
                    counters.droppedEvents.add(1, ordering: .relaxed)
                    queue.offer(rescan: "queue_overflow")
                }
            }
        }
    }

    /// Watches `folder` and every folder below it; nil when all went well.
    private func watch(_ folder: RawPath) -> WatchError? {
        let ok = folder.withCString { inotifytools_watch_recursively($0, Self.watchMask) }
        guard ok == 0 else { return nil }
        return WatchError(path: folder.description, errorNumber: Int32(inotifytools_error()))
    }

    private static let abandonedCount = Atomic<Int>(0)

    private func abandon(_ folder: RawPath) {
        let number = Self.abandonedCount.add(1, ordering: .relaxed).newValue
        folder.appending([]).withCString { old in
            inotifytools_replace_filename(old, Self.abandonedPrefix + "\(number)/")
        }
    }

    /// The path of the folder a watch descriptor stands for, without the trailing slash; nil for watches that
    /// left the tree.
    private func folderPath(of watchDescriptor: Int32) -> RawPath? {
        guard let name = inotifytools_filename_from_wd(watchDescriptor) else { return nil }
        var bytes = Array(UnsafeRawBufferPointer(start: name, count: strlen(name)))
        guard !bytes.isEmpty, bytes.first != 1 else { return nil }
        while bytes.count > 1 && bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
        return RawPath(bytes: bytes)
    }

    /// A number of seconds without a needless fraction: `300`, `0.5`.
    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }

    /// Seconds on the monotonic clock.
    private static var now: Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// This process's inotify descriptors.
    private static func inotifyDescriptors() -> Set<Int32> {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") else { return [] }
        return Set(
            names.compactMap { name -> Int32? in
                guard let number = Int32(name),
                    let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/" + name),
                    target == "anon_inode:inotify"
                else { return nil }
                return number
            })
    }
}
