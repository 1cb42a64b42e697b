import Foundation
import TestSupport

/// A program from a Debian package that the tests run. CI installs the packages in Scripts/apt-packages.txt; when
/// one is missing the test fails and says which package to install, instead of skipping.
enum DebianTool {
    static func locate(_ name: String, package: String) throws -> URL {
        if let found = try? ChildProcess.program(named: name) { return found }
        // Administration tools such as logrotate live in sbin, which a non-root PATH may leave out.
        for folder in ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] {
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw ToolMissing(name: name, package: package)
    }

    struct ToolMissing: Error, CustomStringConvertible {
        var name: String
        var package: String
        var description: String {
            "\(name) is not installed: apt-get install \(package) (Scripts/setup.sh installs everything in "
                + "Scripts/apt-packages.txt)"
        }
    }
}
