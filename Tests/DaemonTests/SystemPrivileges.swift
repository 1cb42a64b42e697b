import Foundation
import TestSupport

/// What the machine lets these tests do. A few fault tests need powers that only root in a full (not
/// container-restricted) system has: mounting a small tmpfs to fill, making device nodes, running the daemon as
/// another user, a user namespace with its own inotify limit. Where the power is missing, those tests are
/// reported as skipped with the reason (visible in the test output), rather than failing a build for a reason
/// that is not twindup's; everywhere else they run. Each probe does the real thing once.
enum SystemPrivileges {
    static let canMountTmpfs: Bool = {
        guard let folder = try? TestData.makeScratchDirectory() else { return false }
        defer { try? FileManager.default.removeItem(at: folder) }
        guard
            (try? ChildProcess.run(
                URL(fileURLWithPath: "/bin/mount"), ["-t", "tmpfs", "-o", "size=64k", "tmpfs", folder.path]))?.status
                == 0
        else { return false }
        _ = try? ChildProcess.run(URL(fileURLWithPath: "/bin/umount"), [folder.path])
        return true
    }()

    static let canMakeDeviceNodes: Bool = {
        let path = NSTemporaryDirectory() + "twindup-probe-\(UUID().uuidString)"
        defer { unlink(path) }
        return mknod(path, S_IFCHR | 0o600, dev_t(1 << 8 | 3)) == 0
    }()

    static let canRunAsAnotherUser: Bool = {
        (try? ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/setpriv"), ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/true"]))?
            .status == 0
    }()

    static let canLimitInotifyInUserNamespace: Bool = {
        (try? ChildProcess.run(
            URL(fileURLWithPath: "/usr/bin/unshare"),
            ["-U", "-r", "/bin/sh", "-c", "echo 4 > /proc/sys/user/max_inotify_watches"]))?.status == 0
    }()
}
