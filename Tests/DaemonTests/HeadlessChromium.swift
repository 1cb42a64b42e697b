import Foundation
import TestSupport

/// Debian's `chromium` (Scripts/apt-packages.txt) run headless, to see a page as a browser renders it. Each run gets
/// its own profile folder, so runs never share state, and `timeout` ends one that hangs.
struct HeadlessChromium {
    let chromium: URL
    let timeout: URL
    let profile: URL

    static var isInstalled: Bool { (try? ChildProcess.program(named: "chromium")) != nil }

    init(profile: URL) throws {
        chromium = try ChildProcess.program(named: "chromium")
        timeout = try ChildProcess.program(named: "timeout")
        self.profile = profile
    }

    /// `--no-sandbox`: Chromium refuses to run as root with its sandbox, and the tests run as root.
    private func run(_ arguments: [String], address: String) throws -> ProcessResult {
        try ChildProcess.run(
            timeout,
            [
                "60", chromium.path, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--no-first-run", "--user-data-dir=\(profile.path)",
            ] + arguments + [address])
    }

    /// A PNG of the top `width`×`height` pixels of the page at `address`.
    func screenshot(of address: String, to png: URL, width: Int, height: Int) throws -> ProcessResult {
        try run(["--screenshot=\(png.path)", "--window-size=\(width),\(height)"], address: address)
    }

    /// The page's document after its scripts ran, as HTML.
    func dom(of address: String) throws -> ProcessResult {
        try run(["--dump-dom"], address: address)
    }
}
