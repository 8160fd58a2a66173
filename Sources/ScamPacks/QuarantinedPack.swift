/// An installed pack set aside at load: its files no longer match its manifest, it does not
/// load, or it does not compile with the other packs in force.
///
/// A tool that protects people fails towards protection: one broken add-on must not switch
/// every other pack off. So the version is left out, something of the same name stands in
/// when there is one (`replacement`), every other pack runs, and the set-aside is said loudly:
/// on stderr, in the summary, and as a `pack.broken` finding in the alert stream.
public struct QuarantinedPack: Sendable, Hashable {
    /// What is in force instead, best first.
    public enum Replacement: Sendable, Hashable {
        /// The version a running stream already had in memory (checked when it was loaded).
        case running(String)
        /// The store's previous version of the pack.
        case previous(String)
        /// The pack of that name compiled into scamflow.
        case builtin(String)
        /// Nothing: no pack of that name is in force.
        case none

        /// The version that stands in, or nil when nothing does.
        public var version: String? {
            switch self {
            case .running(let v), .previous(let v), .builtin(let v): return v
            case .none: return nil
            }
        }

        /// `running`, `previous`, `built-in` or `none`.
        public var kind: String {
            switch self {
            case .running: return "running"
            case .previous: return "previous"
            case .builtin: return "built-in"
            case .none: return "none"
            }
        }
    }

    public var name: String
    public var version: String
    /// The version folder in the store.
    public var path: String
    /// Why it was set aside (errors only; the first one is the headline).
    public var diagnostics: [Diagnostic]
    public var replacement: Replacement

    public init(name: String, version: String, path: String, diagnostics: [Diagnostic], replacement: Replacement = .none) {
        self.name = name
        self.version = version
        self.path = path
        self.diagnostics = diagnostics
        self.replacement = replacement
    }

    public var label: String { "\(name)@\(version)" }

    /// The first diagnostic, the one findings and summaries name.
    public var reason: Diagnostic {
        diagnostics.first ?? Diagnostic(.unreadable, at: SourceLocation(file: path), "the pack does not load")
    }

    /// What is in force instead, as a sentence part: `demo-otp 1.0.0 (the previous version) is in force in its place`.
    public var inPlace: String {
        switch replacement {
        case .running(let v): return "\(name) \(v), already running, stays in force in its place"
        case .previous(let v): return "\(name) \(v) (the previous version) is in force in its place"
        case .builtin(let v): return "the built-in \(name) \(v) is in force in its place"
        case .none: return "no pack named \(name) is in force"
        }
    }

    /// One line for a summary: `demo-otp 1.1.0 (SF110); demo-otp 1.0.0 (the previous version) is in force in its place`.
    public var summary: String { "\(name) \(version) (\(reason.code.rawValue)); \(inPlace)" }

    /// What to do about it.
    public var advice: String {
        "Run `scamflow pack verify --installed` to see what is damaged, then `scamflow pack repair` "
            + "(or `scamflow pack install` the bundle of \(name) \(version) again)."
    }
}
