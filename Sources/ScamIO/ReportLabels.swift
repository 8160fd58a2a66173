import Foundation
import ScamEngine

/// The words of the report's own text (headings, field names), in English or Chinese. What
/// came from the input or a pack (messages, titles, advice) is shown as written, in its own
/// language; these are only the frame around it.
struct ReportLabels: Sendable {
    /// The page's `lang`.
    var lang: String
    var title: String
    var overview: String
    var records: String
    var subjects: String
    var alerts: String
    var shownSubjects: String
    var quietSubjects: String
    var bySeverity: String
    var scenario: String
    var noScenario: String
    var total: String
    var whatToDo: String
    var flowAttempts: String
    var timeline: String
    var stepsReached: String
    var notReached: String
    var anyOf: String
    var attempt: String
    var alertID: String
    var score: String
    var alsoRaised: String
    var evidence: String
    var from: String
    var to: String
    var folded: String
    var notes: String
    var moreScenarios: String
    var stepsAbove: String
    /// `%d` is the line number.
    var lineFormat: String
    var unplaced: String
    var packSetAside: String
    var inputProblems: String
    var footer: String
    var redacted: String
    var severities: [Severity: String]
    var channels: [String: String]

    /// `n` and the phrase it counts: "1 record", "2 records", "1 subject without alerts is not
    /// shown". Chinese has no plural ("1 条记录"). In English, for one, the first plural of the
    /// phrase's first two words loses its "s" and "are" becomes "is": the phrases here are
    /// written so (regular plurals: records, subjects, alerts, scenarios, pieces, problems).
    func counted(_ n: Int, _ phrase: String) -> String {
        guard lang == "en", n == 1 else { return "\(n) \(phrase)" }
        var words = phrase.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        for i in words.indices.prefix(2) {
            let colon = words[i].hasSuffix(":")
            let word = colon ? String(words[i].dropLast()) : words[i]
            guard word.count > 2, word.hasSuffix("s"), !word.hasSuffix("ss") else { continue }
            words[i] = String(word.dropLast()) + (colon ? ":" : "")
            break
        }
        return "1 " + words.map { $0 == "are" ? "is" : $0 }.joined(separator: " ")
    }

    static let en = ReportLabels(
        lang: "en", title: "scamflow report", overview: "Overview", records: "records", subjects: "subjects", alerts: "alerts",
        shownSubjects: "Subjects with alerts", quietSubjects: "subjects without alerts are not shown",
        bySeverity: "Alerts by scenario and severity", scenario: "Scenario", noScenario: "(no scenario)", total: "Total",
        whatToDo: "What to do", flowAttempts: "Scam flows", timeline: "Timeline", stepsReached: "steps reached",
        notReached: "not reached", anyOf: "any of", attempt: "attempt", alertID: "alert", score: "score",
        alsoRaised: "also raised", evidence: "evidence", from: "from", to: "to",
        folded: "records without findings not shown", notes: "Notes", moreScenarios: "more scenarios",
        stepsAbove: "its steps and evidence: above", lineFormat: "line %d",
        unplaced: "pieces of evidence could not be placed in their message's text (listed with their alert)",
        packSetAside: "installed pack set aside (broken), not used",
        inputProblems: "input problems: malformed or unreadable input was skipped (the scan's messages name each)",
        footer: "Written by %@ from the packs %@. One self-contained file: no scripts, nothing loaded from the network.",
        redacted: "Redacted: numbers of 4 or more digits masked, names replaced by pseudonyms.",
        severities: [.critical: "critical", .high: "high", .medium: "medium", .low: "low", .info: "info"],
        channels: ["sms": "SMS", "call": "call", "chat": "chat", "email": "email", "event": "event"])

    static let zh = ReportLabels(
        lang: "zh", title: "scamflow 诈骗检测报告", overview: "概览", records: "条记录", subjects: "个对象", alerts: "条告警",
        shownSubjects: "有告警的对象", quietSubjects: "个没有告警的对象未列出",
        bySeverity: "按场景和严重程度统计", scenario: "场景", noScenario: "（无场景）", total: "合计",
        whatToDo: "怎么办", flowAttempts: "诈骗流程", timeline: "时间线", stepsReached: "已到步骤",
        notReached: "未到", anyOf: "任一", attempt: "尝试", alertID: "告警", score: "得分",
        alsoRaised: "同时触发", evidence: "证据", from: "来自", to: "发往",
        folded: "条没有发现的记录未列出", notes: "说明", moreScenarios: "个其他场景",
        stepsAbove: "各步骤及证据见上方", lineFormat: "第 %d 行",
        unplaced: "条证据无法在原文中定位（随告警列出）",
        packSetAside: "已损坏、未使用的已安装规则包",
        inputProblems: "处输入问题：格式错误或无法读取的输入已跳过（扫描的错误信息逐条列出）",
        footer: "由 %@ 根据规则包 %@ 生成。单个自包含文件：没有脚本，不从网络加载任何内容。",
        redacted: "已脱敏：4 位及以上的数字已遮盖，姓名和号码已换成化名。",
        severities: [.critical: "严重", .high: "高", .medium: "中", .low: "低", .info: "提示"],
        channels: ["sms": "短信", "call": "通话", "chat": "聊天", "email": "邮件", "event": "事件"])

    /// `footer` with its two placeholders filled in order.
    func footer(_ producer: String, _ packs: String) -> String {
        var parts = footer.components(separatedBy: "%@")
        guard parts.count == 3 else { return footer }
        parts.insert(producer, at: 1)
        parts.insert(packs, at: 3)
        return parts.joined()
    }

    func severity(_ severity: Severity) -> String { severities[severity] ?? severity.rawValue }

    func line(_ number: Int) -> String {
        let parts = lineFormat.components(separatedBy: "%d")
        return parts.count == 2 ? parts[0] + String(number) + parts[1] : "\(lineFormat) \(number)"
    }
}
