import Foundation
import Pipeline

/// Text, Markdown and SVG views of an evaluation report.
extension EvaluationReport {
    public func table() -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var out = pad("method", 40) + "     K precision    recall      NDCG  hit rate       MAP  coverage  ms/user\n"
        for m in methods {
            for r in m.metrics {
                out += pad(m.name, 40)
                out += String(
                    format: " %5d %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %8.3f\n", r.k, r.precision, r.recall, r.ndcg,
                    r.hitRate, r.map, r.coverage, m.millisecondsPerUser)
            }
        }
        return out
    }

    public func markdown() -> String {
        var out = "# Offline evaluation\n\n"
        out +=
            "Cutoff \(isoDate(cutoff)) (last \(testDays) days are the test window); \(testUsers) test users, \(relevantItems) relevant items.\n\n"
        out +=
            "## Candidate recall (share of relevant items that reach the candidates)\n\n| generator | recall |\n|---|---|\n"
        for (name, value) in candidateRecall.sorted(by: { $0.key < $1.key }) {
            out += "| \(name) | \(String(format: "%.4f", value)) |\n"
        }
        out += "\nMean candidates per user: \(String(format: "%.1f", meanCandidates)).\n\n"
        for k in ks {
            out +=
                "## K = \(k)\n\n| method | precision | recall | NDCG | hit rate | MAP | coverage | ms/user |\n|---|---|---|---|---|---|---|---|\n"
            for m in methods {
                guard let r = m.at(k) else { continue }
                out += String(
                    format: "| %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.3f |\n", m.name as NSString,
                    r.precision,
                    r.recall, r.ndcg, r.hitRate, r.map, r.coverage, m.millisecondsPerUser)
            }
            out += "\n"
        }
        out += "## Ranker training\n\n"
        out +=
            "\(training.pairs) pairs (\(training.positives) positive), validation AUC \(String(format: "%.4f", training.validationAUC)), log loss \(String(format: "%.4f", training.validationLogLoss)); Newton iterations \(training.fit.iterations), converged: \(training.fit.converged).\n\n"
        for w in training.windows {
            out +=
                "- window from \(isoDate(w.cutoff)): \(w.users) users, \(w.pairs) pairs, \(w.positives) positives, candidate recall \(String(format: "%.4f", w.candidateRecall))\n"
        }
        return out
    }

    /// Grouped bars of NDCG@k and Recall@k per method.
    public func svg(k: Int = 10) -> String {
        let rows = methods.compactMap { m in m.at(k).map { (m.name, $0.ndcg, $0.recall) } }
        let top = max(rows.map { max($0.1, $0.2) }.max() ?? 1, 1e-9)
        let barHeight = 9.0
        let rowHeight = 26.0
        let left = 260.0
        let width = 420.0
        let height = Double(rows.count) * rowHeight + 50
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + width + 80))" height="\(Int(height))" font-family="sans-serif" font-size="11">
            <text x="10" y="16" font-size="13">NDCG@\(k) (blue) and Recall@\(k) (orange), test users: \(testUsers)</text>

            """
        for (i, r) in rows.enumerated() {
            let y = 30 + Double(i) * rowHeight
            let name = r.0.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            s += "<text x=\"\(left - 6)\" y=\"\(y + 12)\" text-anchor=\"end\">\(name)</text>\n"
            s +=
                "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(r.1 / top * width)\" height=\"\(barHeight)\" fill=\"#3b73b9\"/>\n"
            s += "<text x=\"\(left + r.1 / top * width + 4)\" y=\"\(y + 8)\">\(String(format: "%.4f", r.1))</text>\n"
            s +=
                "<rect x=\"\(left)\" y=\"\(y + barHeight + 1)\" width=\"\(r.2 / top * width)\" height=\"\(barHeight)\" fill=\"#e8873a\"/>\n"
            s +=
                "<text x=\"\(left + r.2 / top * width + 4)\" y=\"\(y + 2 * barHeight)\">\(String(format: "%.4f", r.2))</text>\n"
        }
        return s + "</svg>\n"
    }
}
