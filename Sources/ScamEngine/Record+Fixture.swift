import ScamPacks

extension Record {
    /// A record from a sequence fixture's fields (the same names as JSON input).
    public init(fixture fields: [String: FixtureValue], source: SourcePosition) {
        func string(_ key: String) -> String? {
            switch fields[key] {
            case .string(let s)?: return s
            case .number(let d)?: return AttributeValue.number(d).text
            case .bool(let b)?: return b ? "true" : "false"
            default: return nil
            }
        }
        self.init(text: string("text"), source: source)
        switch fields["time"] {
        case .string(let s)?:
            let zoned = Timestamp.parseZoned(s)
            time = zoned?.millis
            utcOffset = zoned?.utcOffset
        case .number(let d)?: time = Timestamp.fromEpoch(d)
        default: break
        }
        channel = string("channel")
        subject = string("subject")
        peer = string("peer")
        if case .bool(let b)? = fields["peer_known"] { peerKnown = b }
        direction = string("direction")
        speaker = string("speaker")
        event = string("event")
        lang = string("lang")
        id = string("id")
        conversation = string("conversation")
        if case .map(let attrs)? = fields["attrs"] {
            for (key, value) in attrs {
                switch value {
                case .string(let s): self.attrs[key] = .string(s)
                case .number(let d): self.attrs[key] = .number(d)
                case .bool(let b): self.attrs[key] = .bool(b)
                case .map: break
                }
            }
        }
    }
}
