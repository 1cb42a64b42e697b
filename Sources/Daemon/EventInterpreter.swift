import DuplicateIndex

/// inotify's event bits (the kernel's ABI, `<sys/inotify.h>`), for the interpreter, which does not touch C.
struct InotifyMask: OptionSet, Sendable {
    let rawValue: UInt32

    static let modify = InotifyMask(rawValue: 0x2)
    static let attributes = InotifyMask(rawValue: 0x4)
    static let closeWrite = InotifyMask(rawValue: 0x8)
    static let movedFrom = InotifyMask(rawValue: 0x40)
    static let movedTo = InotifyMask(rawValue: 0x80)
    static let create = InotifyMask(rawValue: 0x100)
    static let delete = InotifyMask(rawValue: 0x200)
    static let deleteSelf = InotifyMask(rawValue: 0x400)
    static let moveSelf = InotifyMask(rawValue: 0x800)
    static let unmount = InotifyMask(rawValue: 0x2000)
    static let queueOverflow = InotifyMask(rawValue: 0x4000)
    static let ignored = InotifyMask(rawValue: 0x8000)
    static let isDirectory = InotifyMask(rawValue: 0x4000_0000)
}

/// One event as read from inotify: the watched folder it came from and the name inside it (empty when the event
/// is about the folder itself).
struct RawEvent: Sendable {
    var mask: InotifyMask
    var cookie: UInt32
    var folder: RawPath?
    var name: [UInt8]
}

/// What the watcher must do to its watches because of an event.
enum WatchCommand: Sendable, Equatable {
    /// Watch this new folder and everything below it, then let the files already in it settle.
    case watch(RawPath)
    /// A watched folder was renamed: its watches (and those below) now report the new path.
    case rename(from: RawPath, to: RawPath)
    /// A watched folder left the watched tree: its watches must not report paths any more.
    case abandon(RawPath)
    /// A watched root folder was deleted, moved away or unmounted.
    case rootLost(RawPath)
}

/// Turns inotify's events into what the indexer needs, following the daemon's contract: a file is ready once it
/// is closed after writing, renamed into place, or has settled; temporary names wait for their rename; a rename is
/// one `moved`, not a delete and a new file; a new folder is watched, then scanned.
///
/// A rename arrives as `IN_MOVED_FROM` then `IN_MOVED_TO` with the same cookie. The interpreter holds a
/// `MOVED_FROM` until the next event; the watcher calls `endPendingMove` when nothing followed it quickly, which
/// means the file or folder left the watched tree.
struct EventInterpreter {
    private struct PendingMove {
        var cookie: UInt32
        var path: RawPath
        var isDirectory: Bool
    }

    var settle: SettleTracker
    let roots: [RawPath]
    private var pendingMove: PendingMove?
    private(set) var events: [WatchEvent] = []
    private(set) var commands: [WatchCommand] = []

    init(roots: [RawPath], settleSeconds: Double) {
        self.roots = roots
        settle = SettleTracker(settleSeconds: settleSeconds)
    }

    var hasPendingMove: Bool { pendingMove != nil }

    /// Takes the events and commands produced so far.
    mutating func take() -> (events: [WatchEvent], commands: [WatchCommand]) {
        defer {
            events = []
            commands = []
        }
        return (events, commands)
    }

    mutating func handle(_ event: RawEvent, at now: Double, identity: (RawPath) -> FileIdentity?) {
        if event.mask.contains(.queueOverflow) {
            endPendingMove()
            events.append(.rescan(reason: "queue_overflow"))
            return
        }
        guard let folder = event.folder, !event.mask.contains(.ignored) else { return }
        guard !event.name.isEmpty else {
            // About a watched folder itself; below a root, its parent's watch reports it by name.
            if !event.mask.isDisjoint(with: [.deleteSelf, .moveSelf, .unmount]), roots.contains(folder) {
                endPendingMove()
                commands.append(.rootLost(folder))
                events.append(.removed(folder))
            }
            return
        }
        let path = folder.appending(event.name)
        if let pending = pendingMove {
            pendingMove = nil
            if event.mask.contains(.movedTo) && event.cookie == pending.cookie {
                renamed(from: pending.path, to: path, isDirectory: pending.isDirectory, at: now, identity: identity)
                return
            }
            movedOut(pending)
        }
        let isDirectory = event.mask.contains(.isDirectory)
        if event.mask.contains(.movedFrom) {
            pendingMove = PendingMove(cookie: event.cookie, path: path, isDirectory: isDirectory)
            return
        }
        if isDirectory {
            if !event.mask.isDisjoint(with: [.create, .movedTo]) {
                // Its files may have landed before the watch existed; the watcher lists them into the settle
                // tracker once the watch is set (a listing cannot tell a finished file from one being written).
                commands.append(.watch(path))
            } else if event.mask.contains(.delete) {
                settle.forget(under: path)
                events.append(.removed(path))
            }
            return
        }
        if event.mask.contains(.delete) {
            settle.forget(path)
            if path.hasPictureExtension { events.append(.removed(path)) }
            return
        }
        guard FileNames.isIndexable(path) else { return }
        if !event.mask.isDisjoint(with: [.closeWrite, .movedTo]) {
            arrived(path, at: now, identity: identity)
        } else if !event.mask.isDisjoint(with: [.create, .modify, .attributes]) {
            settle.changed(path, at: now, identity: settle.isPending(path) ? nil : identity(path))
        }
    }

    /// The held `MOVED_FROM` had no `MOVED_TO`: its file or folder left the watched tree.
    mutating func endPendingMove() {
        guard let pending = pendingMove else { return }
        pendingMove = nil
        movedOut(pending)
    }

    /// Files whose settle time ran out unchanged become ready.
    mutating func settleDue(at now: Double, identity: (RawPath) -> FileIdentity?) {
        events += settle.due(at: now, identity: identity).map(WatchEvent.ready)
    }

    private mutating func renamed(
        from source: RawPath, to destination: RawPath, isDirectory: Bool, at now: Double,
        identity: (RawPath) -> FileIdentity?
    ) {
        if isDirectory {
            settle.move(from: source, to: destination)
            commands.append(.rename(from: source, to: destination))
            events.append(.moved(from: source, to: destination))
            return
        }
        settle.forget(source)
        settle.forget(destination)
        switch (FileNames.isIndexable(source), FileNames.isIndexable(destination)) {
        case (true, true):
            if identity(destination)?.size == 0 {
                events.append(.removed(source))
                arrived(destination, at: now, identity: identity)
            } else {
                events.append(.moved(from: source, to: destination))
            }
        case (true, false): events.append(.removed(source))
        case (false, true): arrived(destination, at: now, identity: identity)
        case (false, false): break
        }
    }

    /// A file closed after writing or renamed into place is ready, unless it is empty: some writers create the name
    /// first (an atomic write renames its empty temporary file before writing, or a downloader reserves it) and
    /// write afterwards. No picture has zero bytes, so an empty file waits like an unclosed one.
    private mutating func arrived(_ path: RawPath, at now: Double, identity: (RawPath) -> FileIdentity?) {
        let current = identity(path)
        if current?.size == 0 {
            settle.changed(path, at: now, identity: current)
            return
        }
        settle.forget(path)
        events.append(.ready(path))
    }

    private mutating func movedOut(_ pending: PendingMove) {
        if pending.isDirectory {
            settle.forget(under: pending.path)
            commands.append(.abandon(pending.path))
            events.append(.removed(pending.path))
        } else {
            settle.forget(pending.path)
            if pending.path.hasPictureExtension { events.append(.removed(pending.path)) }
        }
    }
}
