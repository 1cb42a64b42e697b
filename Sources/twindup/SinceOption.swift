import ArgumentParser
import Foundation

/// `--since`: a point in time, written as an ISO-8601 date or date-time (`2026-11-28`, `2026-11-28T10:00:00Z`,
/// `2026-11-28T10:00+01:00`; without a zone, local time as ISO-8601 reads it) or as a duration before now
/// (`90m`, `24h`, `7d`, `2w`).
struct SinceOption: ExpressibleByArgument, Sendable {
    enum Bound: Sendable, Equatable {
        case instant(Date)
        case before(seconds: Double)
    }

    /// As the user wrote it.
    let text: String
    let bound: Bound

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces)
        guard let bound = Self.duration(text).map(Bound.before) ?? Self.instant(text).map(Bound.instant) else {
            return nil
        }
        self.text = text
        self.bound = bound
    }

    /// The instant the option names, for a duration counted back from `now`.
    func date(now: Date) -> Date {
        switch bound {
        case .instant(let date): date
        case .before(let seconds): now.addingTimeInterval(-seconds)
        }
    }

    private static let unitSeconds: [String: Double] = [
        "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86_400, "w": 604_800,
    ]

    /// `24h` and kin: a whole number and a unit.
    private static func duration(_ text: String) -> Double? {
        guard let unitStart = text.firstIndex(where: { !$0.isASCII || !$0.isNumber }),
            unitStart != text.startIndex, let count = Int(text[..<unitStart]),
            let unit = unitSeconds[String(text[unitStart...])]
        else { return nil }
        return Double(count) * unit
    }

    /// An ISO-8601 calendar date, or date and time, checked to be a real one (no 30 February, no 25:00).
    private static func instant(_ text: String) -> Date? {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.skip("-"), let month = scanner.number(digits: 2),
            scanner.skip("-"), let day = scanner.number(digits: 2)
        else { return nil }
        var (hour, minute, second, fraction) = (0, 0, 0, 0.0)
        var zone: String?
        if scanner.skip("T") || scanner.skip(" ") {
            guard let hours = scanner.number(digits: 2), scanner.skip(":"), let minutes = scanner.number(digits: 2)
            else { return nil }
            (hour, minute) = (hours, minutes)
            if scanner.skip(":") {
                guard let seconds = scanner.number(digits: 2) else { return nil }
                second = seconds
                if scanner.skip(".") {
                    let digits = scanner.digits()
                    guard !digits.isEmpty, let value = Double("0." + digits) else { return nil }
                    fraction = value
                }
            }
            if !scanner.isAtEnd { zone = scanner.rest }
        }
        guard scanner.isAtEnd || zone != nil else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        if let zone {
            guard let offset = offsetSeconds(zone), let timeZone = TimeZone(secondsFromGMT: offset) else { return nil }
            calendar.timeZone = timeZone
        } else {
            calendar.timeZone = .current
        }
        let wanted = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        guard let date = calendar.date(from: wanted) else { return nil }
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == year, back.month == month, back.day == day, back.hour == hour, back.minute == minute,
            back.second == second
        else { return nil }
        return date.addingTimeInterval(fraction)
    }

    /// `Z`, `+01`, `+0100` or `-05:30` as seconds east of UTC.
    private static func offsetSeconds(_ zone: String) -> Int? {
        if zone == "Z" { return 0 }
        var scanner = DigitScanner(Array(zone.utf8))
        let sign = scanner.skip("-") ? -1 : (scanner.skip("+") ? 1 : 0)
        guard sign != 0, let hours = scanner.number(digits: 2), hours <= 23 else { return nil }
        var minutes = 0
        if !scanner.isAtEnd {
            _ = scanner.skip(":")
            guard let value = scanner.number(digits: 2), value < 60 else { return nil }
            minutes = value
        }
        guard scanner.isAtEnd else { return nil }
        return sign * (hours * 3600 + minutes * 60)
    }
}

/// Reads fixed-width numbers and separators from ASCII text, front to back.
private struct DigitScanner {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var isAtEnd: Bool { position == bytes.count }
    var rest: String { String(decoding: bytes[position...], as: UTF8.self) }

    /// Consumes `separator` if it comes next.
    mutating func skip(_ separator: Unicode.Scalar) -> Bool {
        guard position < bytes.count, bytes[position] == UInt8(ascii: separator) else { return false }
        position += 1
        return true
    }

    /// Exactly `digits` decimal digits, as a number.
    mutating func number(digits count: Int) -> Int? {
        guard position + count <= bytes.count,
            bytes[position..<(position + count)].allSatisfy({ (0x30...0x39).contains($0) })
        else { return nil }
        defer { position += count }
        return bytes[position..<(position + count)].reduce(0) { $0 * 10 + Int($1 - 0x30) }
    }

    /// Every decimal digit from here on, as text.
    mutating func digits() -> String {
        let start = position
        while position < bytes.count, (0x30...0x39).contains(bytes[position]) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }
}
