import RecsysCore

/// Horizontal bar charts for terminals: one line per label.
public enum TextChart {
    public static func bars(_ rows: [(String, Double)], width: Int = 40) -> String {
        let top = rows.map(\.1).max() ?? 0
        let labelWidth = rows.map(\.0.count).max() ?? 0
        return rows.map { label, value in
            let n = top > 0 ? Int((value / top * Double(width)).rounded()) : 0
            let pad = String(repeating: " ", count: labelWidth - label.count)
            return "\(pad)\(label) │\(String(repeating: "█", count: n)) \(formatCount(value))"
        }.joined(separator: "\n")
    }

    public static func formatCount(_ v: Double) -> String {
        v == v.rounded() ? String(Int(v)) : String(format3(v))
    }

    public static func format3(_ v: Double) -> String {
        let scaled = (v * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
