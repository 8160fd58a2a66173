import ScamPacks

/// What a repair did to the files of an installed version, by what was wrong with each: a
/// file that was gone is not "rewritten", and whoever reads the report looks for different
/// causes (a deleted file, an edit, a stray file).
public struct RestoredFiles: Sendable, Equatable {
    /// Files that were missing, written again from the bundle.
    public var missing: [String] = []
    /// Files that differed from the bundle, rewritten.
    public var changed: [String] = []
    /// Files the manifest does not list, deleted so the folder is the bundle's again.
    public var removed: [String] = []

    public init(missing: [String] = [], changed: [String] = [], removed: [String] = []) {
        self.missing = missing
        self.changed = changed
        self.removed = removed
    }

    public var isEmpty: Bool { missing.isEmpty && changed.isEmpty && removed.isEmpty }

    /// `restored a (missing); rewrote b, c; removed d (not in the manifest)`.
    public var summary: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("restored \(missing.joined(separator: ", ")) (missing)") }
        if !changed.isEmpty { parts.append("rewrote \(changed.joined(separator: ", "))") }
        if !removed.isEmpty { parts.append("removed \(removed.joined(separator: ", ")) (not in the manifest)") }
        return parts.isEmpty ? "no file needed rewriting" : parts.joined(separator: "; ")
    }
}
