import PCRE2
import ScamPacks

/// What a rule's title and advice take from its `match`: their slot templates and the named
/// groups that fill them (see `SlotTemplate`).
///
/// Invariant: every slot of `title` and `advice` names a group of the compiled `match`
/// (`compile` refuses the rule otherwise, `SF129`), and `groups` lists exactly the groups the
/// slots use, so the scanner reads captures only for them.
public struct RuleSlots: Sendable {
    public let title: SlotTemplate
    /// By language, like the rule's advice.
    public let advice: [String: SlotTemplate]
    /// The groups the slots name, with every number PCRE2 gave that name (several only under
    /// `(?J)` or `(?|...)`): the first one set fills the slot.
    public let groups: [(name: String, numbers: [Int])]

    /// The slots of `rule` against its compiled `match`: nil when its title and advice have
    /// none (nearly every rule), and diagnostics for a slot whose group the pattern lacks or a
    /// `{{lexicon}}` written where lexicons do not expand.
    static func compile(_ rule: RuleSpec, match: Regex, into diagnostics: inout [Diagnostic]) -> RuleSlots? {
        let title = SlotTemplate(rule.title)
        let advice = rule.advice.mapValues(SlotTemplate.init)
        let texts = [("title", title, rule.titleLocation)]
            + advice.sorted { $0.key < $1.key }.map { ("advice", $0.value, rule.adviceLocation) }
        var numbers: [String: [Int]] = [:]
        for group in match.namedGroups { numbers[group.name, default: []].append(group.number) }
        var ok = true
        for (key, template, location) in texts {
            let at = location ?? rule.location
            for name in template.lexiconReferences {
                diagnostics.append(Diagnostic(.unknownSlot, at: at,
                                              "`\(key)` of rule \(rule.id) has `{{\(name)}}`, but lexicons expand only in `match` and `unless`",
                                              hint: "name what the message said with a slot `{name}` and a group `(?<name>...)` in `match`, or write the words themselves",
                                              rule: rule.id))
                ok = false
            }
            for name in template.slotNames where numbers[name] == nil {
                let known = numbers.keys.sorted()
                diagnostics.append(Diagnostic(.unknownSlot, at: at,
                                              "`\(key)` of rule \(rule.id) has the slot `{\(name)}`, but its `match` has no group `(?<\(name)>...)`",
                                              hint: known.isEmpty
                                                  ? "name the part of `match` the slot shows: `(?<\(name)>微信|支付宝)` instead of `(?:微信|支付宝)`"
                                                  : "its named groups: " + known.joined(separator: ", "),
                                              rule: rule.id))
                ok = false
            }
        }
        guard ok else { return nil }
        let used = Set(texts.flatMap { $0.1.slotNames })
        guard !used.isEmpty else { return nil }
        return RuleSlots(title: title, advice: advice,
                         groups: used.sorted().map { ($0, numbers[$0] ?? []) })
    }

    init(title: SlotTemplate, advice: [String: SlotTemplate], groups: [(name: String, numbers: [Int])]) {
        self.title = title
        self.advice = advice
        self.groups = groups
    }
}
