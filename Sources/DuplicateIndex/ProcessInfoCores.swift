import Foundation

/// The cores this process may use.
public enum ProcessInfoCores {
    public static var active: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
