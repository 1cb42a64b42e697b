import DuplicateIndex

/// Files created or changed without a close seen yet (sftp and SMB writers, hard links, `touch`): each becomes
/// ready once its size and modification time have stayed the same for the settle time. Writes seen meanwhile
/// restart its clock. Times are seconds on a monotonic clock.
struct SettleTracker {
    private struct Pending {
        var identity: FileIdentity?
        var deadline: Double
    }

    var settleSeconds: Double
    private var pending: [RawPath: Pending] = [:]

    init(settleSeconds: Double) {
        self.settleSeconds = settleSeconds
    }

    var count: Int { pending.count }

    func isPending(_ path: RawPath) -> Bool { pending[path] != nil }

    /// The file changed at `now`; `identity` is what it looks like now (nil: unknown).
    mutating func changed(_ path: RawPath, at now: Double, identity: FileIdentity?) {
        if var entry = pending[path] {
            entry.deadline = now + settleSeconds
            pending[path] = entry
        } else {
            pending[path] = Pending(identity: identity, deadline: now + settleSeconds)
        }
    }

    /// The file is complete or gone by other means (closed, renamed, deleted): stop watching its clock.
    mutating func forget(_ path: RawPath) {
        pending[path] = nil
    }

    /// Stops tracking everything at or below `folder`.
    mutating func forget(under folder: RawPath) {
        pending = pending.filter { !$0.key.isWithin(folder) }
    }

    /// Paths at or below `source` now live below `destination`.
    mutating func move(from source: RawPath, to destination: RawPath) {
        for (path, entry) in pending where path.isWithin(source) {
            pending[path] = nil
            pending[RawPath(bytes: destination.bytes + path.bytes.dropFirst(source.bytes.count))] = entry
        }
    }

    /// When the next file's clock runs out.
    var nextDeadline: Double? { pending.values.map(\.deadline).min() }

    /// The files whose clock ran out by `now` and that did not change since they were last looked at: ready to
    /// read. Files that changed get a new clock; files that are gone are dropped.
    mutating func due(at now: Double, identity: (RawPath) -> FileIdentity?) -> [RawPath] {
        var ready: [RawPath] = []
        for (path, entry) in pending where entry.deadline <= now {
            guard let current = identity(path) else {
                pending[path] = nil
                continue
            }
            if current == entry.identity {
                pending[path] = nil
                ready.append(path)
            } else {
                pending[path] = Pending(identity: current, deadline: now + settleSeconds)
            }
        }
        return ready.sorted()
    }
}
