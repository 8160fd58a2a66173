/// The English words `LookAlikes` may spell out of leetspeak and spaced letters: the vocabulary
/// of the scams the packs know (brands they impersonate, what they claim, what they ask for).
/// A token is rewritten only when it becomes one of these (or one with an ending of
/// `endings`), so a word nobody disguises, a code or a number is never touched.
///
/// Invariant: lowercase ASCII words of three letters or more.
enum LookAlikeWords {
    static let words: Set<[UInt8]> = Set("""
    account accounts access activity address alert amazon amount anydesk apple appleid approve arrest \
    authority bail balance bank banking barclays benefit bill billing bitcoin blocked block binance \
    cancel card cash gift chase check claim code coinbase compensation computer confirm contact court \
    credit crypto customs customer danger debit delivery deliver deposit details device dhl \
    disabled document download ebay email expire expired facebook fedex fee fine fraud frozen \
    freeze gift giftcard google government grandma grandpa hmrc hsbc icloud identity immediately \
    install instagram invoice irs jail lawyer limited link locked lock login loan lottery mail \
    microsoft money mom mum netflix notice office official online order overdue package parcel \
    passcode password pay payment paypal payroll penalty phone pin police post postage prize \
    problem process ready receive recover redeliver redelivery refund release remote remotely \
    renew restore restricted reward royal safe savings scam screen secure security send service \
    share shipment sign social ssn statement stop summons support suspend suspended suspicious \
    tax teamviewer telegram tiktok toll transfer unblock unlock unpaid update urgent usps verify \
    verification virus visa wallet warrant wechat whatsapp window windows wire won winner zelle
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map { Array($0.utf8) })

    /// Endings a listed word may carry (`cards`, `blocked`, `banking`, `remotely`).
    static let endings: [[UInt8]] = ["s", "es", "ed", "d", "ing", "ly", "er"].map { Array($0.utf8) }

    /// Whether `letters` (lowercase ASCII) is a listed word, with or without an ending.
    static func contains(_ letters: [UInt8]) -> Bool {
        guard letters.count >= 3 else { return false }
        if words.contains(letters) { return true }
        for ending in endings where letters.count > ending.count + 2 && letters.suffix(ending.count).elementsEqual(ending) {
            if words.contains(Array(letters.dropLast(ending.count))) { return true }
        }
        return false
    }
}
