/// What the stream remembers about one subject between records: where its phone last was, the
/// cities it usually is in, and its profile. Flow conditions read it as `context.KEY`
/// (`ContextKeys.all` lists the keys and what sets them).
///
/// Only two events set it: `device.location{city, province, lat, lon}` (from the phone itself)
/// and `profile.set{age_group, home_city}`. It is part of `--state` (checkpointed, replayed
/// exactly) and bounded: at most `maxCities` cities are remembered, and the subject's idle TTL
/// forgets it with the rest of the subject. It never holds message text.
public struct SubjectContext: Sendable, Codable, Equatable {
    public var lastCity: String?
    public var lastProvince: String?
    public var lastCityTime: Int64 = 0
    public var lastLat: Double?
    public var lastLon: Double?
    public var lastLocationTime: Int64 = 0
    /// Cities seen, with the number of distinct days each was seen on and the last such day.
    public var cities: [City] = []
    public var homeCity: String?
    public var ageGroup: String?
    public var profileTime: Int64 = 0
    /// Where each fact was said (the record's source), for the evidence of alerts that read it.
    /// Optional: contexts checkpointed before they existed still load.
    public var lastCitySource: SourcePosition?
    public var lastLocationSource: SourcePosition?
    public var profileSource: SourcePosition?

    public struct City: Sendable, Codable, Equatable {
        public var name: String
        public var days: Int
        public var lastDay: Int64
    }

    /// Most cities remembered (the one seen on the fewest days, then the longest ago, goes).
    public static let maxCities = 8
    /// A city seen on at least this many days is one of the subject's usual cities.
    public static let usualDays = 2
    /// The events that change a context.
    public static let events: Set<String> = ["device.location", "profile.set"]

    public init() {}

    /// Takes what an event says about the subject.
    public mutating func observe(_ event: String, _ attrs: [String: AttributeValue], at time: Int64, source: SourcePosition? = nil) {
        switch event {
        case "device.location":
            if let city = attrs["city"]?.text, !city.isEmpty {
                lastCity = city
                lastProvince = attrs["province"]?.text
                lastCityTime = time
                lastCitySource = source
                let day = time / 86_400_000
                if let i = cities.firstIndex(where: { $0.name == city }) {
                    if cities[i].lastDay != day { cities[i].days += 1; cities[i].lastDay = day }
                } else {
                    if cities.count >= SubjectContext.maxCities,
                       let weakest = cities.indices.min(by: { (cities[$0].days, cities[$0].lastDay) < (cities[$1].days, cities[$1].lastDay) }) {
                        cities.remove(at: weakest)
                    }
                    cities.append(City(name: city, days: 1, lastDay: day))
                }
            }
            if let lat = attrs["lat"]?.number, let lon = attrs["lon"]?.number {
                lastLat = lat
                lastLon = lon
                lastLocationTime = time
                lastLocationSource = source
            }
        case "profile.set":
            if let age = attrs["age_group"]?.text { ageGroup = age.lowercased() }
            if let home = attrs["home_city"]?.text { homeCity = home }
            profileTime = time
            profileSource = source
        default:
            break
        }
    }

    /// Forgets the facts last said before `cutoff` (the context TTL before now): a place, a
    /// profile, a city not seen since. Cheap when nothing is that old. Returns true when nothing
    /// is left.
    public mutating func forget(before cutoff: Int64) -> Bool {
        if lastCity != nil || lastProvince != nil, lastCityTime < cutoff { lastCity = nil; lastProvince = nil }
        if lastLat != nil, lastLocationTime < cutoff { lastLat = nil; lastLon = nil }
        if homeCity != nil || ageGroup != nil, profileTime < cutoff { homeCity = nil; ageGroup = nil }
        let cutoffDay = cutoff / 86_400_000
        if cities.contains(where: { $0.lastDay < cutoffDay }) { cities.removeAll { $0.lastDay < cutoffDay } }
        return lastCity == nil && lastProvince == nil && lastLat == nil && homeCity == nil && ageGroup == nil && cities.isEmpty
    }

    /// The fact named `key` as of `time`, nil when unknown or older than `maxAge`.
    func value(_ key: String, at time: Int64, maxAge: Int64?) -> AttributeValue? {
        func fresh(_ t: Int64) -> Bool { maxAge.map { time - t <= $0 } ?? true }
        switch key {
        case "last_city": return lastCity.flatMap { fresh(lastCityTime) ? .string($0) : nil }
        case "last_province": return lastProvince.flatMap { fresh(lastCityTime) ? .string($0) : nil }
        case "last_location":
            guard let lastLat, let lastLon, fresh(lastLocationTime) else { return nil }
            return .string(GeoPoint.format(lastLat, lastLon))
        case "home_city": return homeCity.map(AttributeValue.string)
        case "age_group": return ageGroup.map(AttributeValue.string)
        case "usual_cities": return list(key, at: time, maxAge: maxAge).map { .string($0.joined(separator: ",")) }
        default: return nil
        }
    }

    /// A fact that is a list (`usual_cities`), nil for other keys.
    func list(_ key: String, at time: Int64, maxAge: Int64?) -> [String]? {
        guard key == "usual_cities" else { return nil }
        var out = cities.filter { $0.days >= SubjectContext.usualDays }.map(\.name)
        if let homeCity, !out.contains(homeCity) { out.append(homeCity) }
        return out
    }
}
