/// Who wrote an alert: the product that OCSF's `metadata.product` and ECS's `observer` name.
/// `scamflow` is the one definition of scamflow's version (`scamflow --version` reads it too).
public struct AlertProducer: Sendable, Equatable {
    public var name: String
    public var vendor: String
    public var version: String

    public init(name: String, vendor: String, version: String) {
        self.name = name
        self.vendor = vendor
        self.version = version
    }

    public static let scamflow = AlertProducer(name: "scamflow", vendor: "scamflow", version: "0.2.0")

    /// A pack label `name@version` as its two parts (the version nil when there is no `@`).
    public static func splitPack(_ label: String) -> (name: String, version: String?) {
        guard let at = label.lastIndex(of: "@") else { return (label, nil) }
        return (String(label[..<at]), String(label[label.index(after: at)...]))
    }
}
