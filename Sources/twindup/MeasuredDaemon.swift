import ArgumentParser
import Foundation

/// `twindup watch` run as a real child process by `twindup bench watch`, measured from outside through /proc:
/// resident memory, CPU time, and how it exits on SIGTERM.
final class MeasuredDaemon {
    let process = Process()
    let standardErrorPath: String

    /// Starts this same executable as `twindup watch` with `arguments` (after `watch`); its output goes to files in
    /// `logFolder`, and it does not inherit a systemd notification socket.
    init(arguments: [String], logFolder: String) throws {
        try FileManager.default.createDirectory(atPath: logFolder, withIntermediateDirectories: true)
        standardErrorPath = logFolder + "/daemon-stderr.txt"
        let standardOutputPath = logFolder + "/daemon-stdout.txt"
        for path in [standardOutputPath, standardErrorPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ValidationError("\(path): cannot be created")
            }
        }
        process.executableURL = URL(fileURLWithPath: Self.executablePath)
        process.arguments = ["watch"] + arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] { environment[name] = nil }
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: standardOutputPath))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: standardErrorPath))
        try process.run()
    }

    deinit {
        // Never leave a daemon behind; if it already ended, there is nothing to kill.
        if process.isRunning, kill(process.processIdentifier, SIGKILL) != 0 {
            FileHandle.standardError.write(
                Data("cannot stop the benchmarked daemon: \(String(cString: strerror(errno)))\n".utf8))
        }
    }

    /// This program's own file: /proc/self/exe, else how it was started.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    var isRunning: Bool { process.isRunning }

    /// The last lines the daemon wrote to standard error, for messages when it misbehaves.
    var standardErrorTail: String {
        let text = (try? String(contentsOfFile: standardErrorPath, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").suffix(8).joined(separator: "\n")
    }

    /// VmRSS from /proc/PID/status, in bytes.
    func residentBytes() throws -> Int {
        let text = try procFile("status")
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { throw ValidationError("no VmRSS in /proc/\(process.processIdentifier)/status") }
        return kilobytes * 1024
    }

    /// utime + stime from /proc/PID/stat, in seconds (clock-tick resolution, usually 10 ms).
    func cpuSeconds() throws -> Double {
        let text = try procFile("stat")
        // The command name, field 2, is in parentheses and may hold spaces: count fields after the last ')'.
        guard let close = text.lastIndex(of: ")") else { throw ValidationError("unreadable /proc/PID/stat") }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // Fields 14 and 15 of the whole line are the 12th and 13th after the name.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw ValidationError("unreadable /proc/\(process.processIdentifier)/stat")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Waits until the daemon used no CPU for `quiet` seconds (start-up done), for at most `timeout` seconds.
    /// Returns whether it got quiet.
    func waitUntilQuiet(quiet: Double = 1, timeout: Double = 20) throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        var last = try cpuSeconds()
        while Date() < deadline {
            Thread.sleep(forTimeInterval: quiet)
            let now = try cpuSeconds()
            if now == last { return true }
            last = now
        }
        return false
    }

    /// Sends SIGTERM and waits up to `timeout` seconds. The exit status, 128 + the signal's number when a signal
    /// ended it, or nil if it is still running (it is then killed).
    func terminate(timeout: Double = 30) -> Int32? {
        guard process.isRunning else { return exitStatus }
        guard kill(process.processIdentifier, SIGTERM) == 0 || errno == ESRCH else { return nil }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else {
            // Still running after the time it was given: it would not stop, which the caller reports.
            _ = kill(process.processIdentifier, SIGKILL)
            return nil
        }
        return exitStatus
    }

    private var exitStatus: Int32 {
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
    }

    private func procFile(_ name: String) throws -> String {
        let path = "/proc/\(process.processIdentifier)/\(name)"
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ValidationError("\(path): \(error.localizedDescription) (did the daemon exit? \(standardErrorTail))")
        }
    }
}
