import ArgumentParser
import Foundation

/// The manual page, made from the same text as `--help` so that the two never disagree: the top level's help,
/// then every command's, each in its own section. `Scripts/build-deb.sh` installs it as twindup(1).
struct ManualCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manual",
        abstract: "Print twindup's manual page (roff) made from every command's --help.",
        shouldDisplay: false)

    @Option(help: "The date in the page's footer, yyyy-mm-dd (default: $SOURCE_DATE_EPOCH's day, else today).")
    var date: String?

    func run() throws {
        print(ManualPage.render(date: date ?? ManualPage.defaultDate()), terminator: "")
    }
}

enum ManualPage {
    static func render(date: String) -> String {
        var page = """
            .TH TWINDUP 1 "\(date)" "twindup \(TwindupVersion.release)" "User Commands"
            .SH NAME
            twindup \\- \(escape(Twindup.configuration.abstract))
            .SH SYNOPSIS
            .B twindup
            .I command
            .RI [ options ]
            .SH DESCRIPTION
            twindup watches folders on a file server (\\fBtwindup watch\\fR, usually as the systemd service
            \\fBtwindup.service\\fR), embeds every new PNG or JPEG picture with a twin convolutional network and reports
            exact and near duplicates to a JSON Lines report log. The same engine serves the batch commands below.
            .SH COMMANDS

            """
        for (name, command) in commands(under: Twindup.self, prefix: "twindup") {
            page += ".SS \"\(escape(name))\"\n.nf\n"
            let help = Twindup.helpMessage(for: command, columns: 100)
            for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
                page += escapeLine(String(line)) + "\n"
            }
            page += ".fi\n"
        }
        page += """
            .SH FILES
            .TP
            .I /etc/twindup/twindup.toml
            The service's configuration; every key is also a flag of \\fBtwindup watch\\fR.
            .TP
            .I /var/lib/twindup/index.sqlite
            The service's index (\\fBStateDirectory=\\fR).
            .TP
            .I /var/log/twindup/report.jsonl
            The report log, one JSON object per line (\\fBLogsDirectory=\\fR).
            .TP
            .I /usr/share/twindup/twindup.safetensors
            The shipped model.
            .SH EXIT STATUS
            0 on success, 1 when a file could not be read or a command failed, 64 for a usage error,
            78 (EX_CONFIG) when \\fBtwindup watch\\fR refuses its configuration.
            .SH ENVIRONMENT
            .TP
            .B OPENBLAS_CORETYPE
            The OpenBLAS kernels the network runs on. When it is unset and OpenBLAS does not recognise the processor
            (it then falls back to kernels without AVX2), twindup sets it to \\fBSkylakeX\\fR or \\fBHaswell\\fR
            from the processor's vector extensions and starts itself again; a value already set is obeyed.
            \\fBtwindup bench neural --kernels\\fR prints the kernels in use.
            .SH SEE ALSO
            .BR systemctl (1),
            .BR journalctl (1),
            .IR /usr/share/doc/twindup/running-as-a-service.md

            """
        return page
    }

    /// Every visible command below `command`, depth first, with its full name (`twindup bench scan`).
    static func commands(
        under command: any ParsableCommand.Type, prefix: String
    ) -> [(String, any ParsableCommand.Type)] {
        var found: [(String, any ParsableCommand.Type)] = []
        for child in command.configuration.subcommands where child.configuration.shouldDisplay {
            let name = "\(prefix) \(child.configuration.commandName ?? String(describing: child).lowercased())"
            found.append((name, child))
            found += commands(under: child, prefix: name)
        }
        return found
    }

    /// Today, or the day of `SOURCE_DATE_EPOCH` so that a package built twice from the same source is the same.
    static func defaultDate() -> String {
        let seconds = ProcessInfo.processInfo.environment["SOURCE_DATE_EPOCH"].flatMap(Double.init)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: seconds.map { Date(timeIntervalSince1970: $0) } ?? Date())
    }

    /// Text that roff shows as written: backslashes escaped, hyphens kept as hyphens.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\e").replacingOccurrences(of: "-", with: "\\-")
    }

    /// One line of preformatted text; a leading `.` or `'` would be read as a request.
    static func escapeLine(_ line: String) -> String {
        let escaped = escape(line)
        return escaped.hasPrefix(".") || escaped.hasPrefix("'") ? "\\&" + escaped : escaped
    }
}
