import DuplicateIndex
import Testing

@testable import Daemon

/// How inotify's events become work, without a kernel: the rules of the daemon's contract one by one.
@Suite("Interpreting inotify events")
struct EventInterpreterTests {
    let root = RawPath("/srv/drop")

    func event(_ mask: InotifyMask, _ name: String, in folder: String = "/srv/drop", cookie: UInt32 = 0) -> RawEvent {
        RawEvent(mask: mask, cookie: cookie, folder: RawPath(folder), name: Array(name.utf8))
    }

    func identity(size: Int64) -> FileIdentity {
        FileIdentity(device: 1, inode: 2, size: size, modificationTime: 3)
    }

    @Test("closed after writing or renamed into place: ready at once; other files and names are ignored")
    func readyAtOnce() {
        var interpreter = EventInterpreter(roots: [root], settleSeconds: 2)
        interpreter.handle(event([.create], "a.jpg"), at: 0) { _ in identity(size: 0) }
        interpreter.handle(event([.modify], "a.jpg"), at: 0) { _ in nil }
        interpreter.handle(event([.closeWrite], "a.jpg"), at: 0) { _ in nil }
        interpreter.handle(event([.closeWrite], "notes.txt"), at: 0) { _ in nil }
        interpreter.handle(event([.closeWrite], "b.JPG.part"), at: 0) { _ in nil }
        interpreter.handle(event([.closeWrite], ".b.jpg.a1B2c3"), at: 0) { _ in nil }
        interpreter.handle(event([.movedTo], "c.png"), at: 0) { _ in nil }
        #expect(interpreter.take().events == [.ready(RawPath("/srv/drop/a.jpg")), .ready(RawPath("/srv/drop/c.png"))])
        #expect(interpreter.settle.nextDeadline == nil, "a closed file needs no settling")
    }

    @Test("a file without a close becomes ready once unchanged for the settle time; writes restart the clock")
    func settling() {
        var interpreter = EventInterpreter(roots: [root], settleSeconds: 2)
        var size: Int64 = 100
        interpreter.handle(event([.create], "slow.jpg"), at: 0) { _ in identity(size: size) }
        interpreter.settleDue(at: 1.9) { _ in identity(size: size) }
        #expect(interpreter.take().events.isEmpty)
        size = 200
        interpreter.handle(event([.modify], "slow.jpg"), at: 1.5) { _ in identity(size: size) }
        interpreter.settleDue(at: 3.4) { _ in identity(size: size) }
        #expect(interpreter.take().events.isEmpty, "written at 1.5 s: not due before 3.5 s")
        interpreter.settleDue(at: 3.6) { _ in identity(size: size) }
        #expect(interpreter.take().events.isEmpty, "grew since it was first seen: one more settle time")
        interpreter.settleDue(at: 5.7) { _ in identity(size: size) }
        #expect(interpreter.take().events == [.ready(RawPath("/srv/drop/slow.jpg"))])
    }

    @Test("a file closed empty waits to be written; left empty, it is read after the settle time")
    func emptyClose() {
        var interpreter = EventInterpreter(roots: [root], settleSeconds: 2)
        var size: Int64 = 0
        interpreter.handle(event([.closeWrite], "reserved.jpg"), at: 0) { _ in identity(size: size) }
        #expect(interpreter.take().events.isEmpty)
        size = 5000
        interpreter.handle(event([.modify], "reserved.jpg"), at: 0.5) { _ in identity(size: size) }
        interpreter.handle(event([.closeWrite], "reserved.jpg"), at: 1) { _ in identity(size: size) }
        #expect(interpreter.take().events == [.ready(RawPath("/srv/drop/reserved.jpg"))])
        #expect(interpreter.settle.nextDeadline == nil)
        interpreter.handle(event([.closeWrite], "empty.jpg"), at: 10) { _ in identity(size: 0) }
        interpreter.settleDue(at: 12.1) { _ in identity(size: 0) }
        #expect(interpreter.take().events == [.ready(RawPath("/srv/drop/empty.jpg"))])
    }

    @Test("an empty file renamed into place (an atomic create, then written) waits to be written, like an empty close")
    func emptyRename() {
        var interpreter = EventInterpreter(roots: [root], settleSeconds: 2)
        var size: Int64 = 0
        // Foundation's createFile: an empty temporary file renamed to its name, written after by a second open.
        interpreter.handle(event([.movedFrom], ".dat.nosync5A0E.DL6mdQ", cookie: 3), at: 0) { _ in identity(size: size)
        }
        interpreter.handle(event([.movedTo], "slow.jpg", cookie: 3), at: 0) { _ in identity(size: size) }
        // An empty picture renamed: its old row leaves, the new name waits.
        interpreter.handle(event([.movedFrom], "old.jpg", cookie: 4), at: 0) { _ in identity(size: size) }
        interpreter.handle(event([.movedTo], "new.jpg", cookie: 4), at: 0) { _ in identity(size: size) }
        #expect(interpreter.take().events == [.removed(RawPath("/srv/drop/old.jpg"))])
        size = 5000
        interpreter.handle(event([.closeWrite], "slow.jpg"), at: 1) { _ in identity(size: size) }
        #expect(interpreter.take().events == [.ready(RawPath("/srv/drop/slow.jpg"))])
        interpreter.settleDue(at: 2.1) { _ in identity(size: 0) }
        #expect(interpreter.take().events == [.ready(RawPath("/srv/drop/new.jpg"))], "left empty: read once settled")
    }

    @Test("a rename is one move; out of the tree it is a removal; a temporary name renamed is a new file")
    func renames() {
        var interpreter = EventInterpreter(roots: [root], settleSeconds: 2)
        interpreter.handle(event([.movedFrom], "a.jpg", cookie: 7), at: 0) { _ in nil }
        interpreter.handle(event([.movedTo], "b.jpg", in: "/srv/drop/sub", cookie: 7), at: 0) { _ in nil }
        interpreter.handle(event([.movedFrom], ".c.jpg.ZZ99zz", cookie: 8), at: 0) { _ in nil }
        interpreter.handle(event([.movedTo], "c.jpg", cookie: 8), at: 0) { _ in nil }
        interpreter.handle(event([.movedFrom], "gone.jpg", cookie: 9), at: 0) { _ in nil }
        interpreter.endPendingMove()
        interpreter.handle(event([.movedFrom, .isDirectory], "old", cookie: 10), at: 0) { _ in nil }
        interpreter.handle(event([.movedTo, .isDirectory], "new", cookie: 10), at: 0) { _ in nil }
        let (events, commands) = interpreter.take()
        #expect(
            events == [
                .moved(from: RawPath("/srv/drop/a.jpg"), to: RawPath("/srv/drop/sub/b.jpg")),
                .ready(RawPath("/srv/drop/c.jpg")), .removed(RawPath("/srv/drop/gone.jpg")),
                .moved(from: RawPath("/srv/drop/old"), to: RawPath("/srv/drop/new")),
            ])
        #expect(commands == [.rename(from: RawPath("/srv/drop/old"), to: RawPath("/srv/drop/new"))])
    }

    @Test(
        "a new folder is watched (its files then settle); a deleted one leaves the index; an overflow asks for a rescan"
    )
    func foldersAndOverflow() {
        var interpreter = EventInterpreter(roots: [root], settleSeconds: 2)
        interpreter.handle(event([.create, .isDirectory], "new"), at: 0) { _ in nil }
        interpreter.handle(event([.delete, .isDirectory], "old"), at: 0) { _ in nil }
        interpreter.handle(RawEvent(mask: [.queueOverflow], cookie: 0, folder: nil, name: []), at: 0) { _ in nil }
        interpreter.handle(event([.deleteSelf], "", in: "/srv/drop"), at: 0) { _ in nil }
        let (events, commands) = interpreter.take()
        #expect(
            events == [
                .removed(RawPath("/srv/drop/old")),
                .rescan(reason: "queue_overflow"), .removed(root),
            ])
        #expect(commands == [.watch(RawPath("/srv/drop/new")), .rootLost(root)])
    }

    @Test(
        "temporary names",
        arguments: [
            (".photo.jpg.a1B2c3", true), ("photo.jpg.part", true), ("x.FILEPART", true), ("x.tmp", true),
            ("x.crdownload", true), ("photo.jpg", false), (".hidden.jpg", false), (".a.jpg.abc", false),
            (".part", false),
        ])
    func temporaryNames(name: String, temporary: Bool) {
        #expect(FileNames.isTemporary(Array(name.utf8)) == temporary)
    }
}

@Suite("The event queue")
struct EventQueueTests {
    @Test("a full queue refuses events; a rescan always gets in, once per reason until taken")
    func overflow() async {
        let queue = EventQueue(capacity: 2)
        #expect(queue.offer(.ready(RawPath("/a"))))
        #expect(queue.offer(.ready(RawPath("/b"))))
        #expect(!queue.offer(.ready(RawPath("/c"))))
        queue.offer(rescan: "queue_overflow")
        queue.offer(rescan: "queue_overflow")
        let batch = await queue.nextBatch(limit: 10)?.map(\.event)
        #expect(batch == [.ready(RawPath("/a")), .ready(RawPath("/b")), .rescan(reason: "queue_overflow")])
        queue.offer(rescan: "queue_overflow")
        #expect(await queue.nextBatch(limit: 10)?.map(\.event) == [.rescan(reason: "queue_overflow")])
        queue.finish()
        #expect(await queue.nextBatch(limit: 10) == nil)
    }

    @Test("a waiting consumer wakes for the next event")
    func wakesConsumer() async {
        let queue = EventQueue(capacity: 8)
        async let batch = queue.nextBatch(limit: 8)
        try? await Task.sleep(for: .milliseconds(50))
        #expect(queue.offer(.removed(RawPath("/x"))))
        #expect(await batch?.map(\.event) == [.removed(RawPath("/x"))])
    }
}
