import Foundation
import Pipeline

/// Text, Markdown and SVG views of an evaluation report.
extension EvaluationReport {
    public func table() -> String {
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        var out =
            pad("method", 40)
            + "     K precision    recall      NDCG  hit rate       MAP  coverage  ms/user  NDCG 95% CI       recall 95% CI\n"
        for m in methods {
            for r in m.metrics {
                out += pad(m.name, 40)
                out += String(
                    format: " %5d %9.4f %9.4f %9.4f %9.4f %9.4f %9.4f %8.3f", r.k, r.precision, r.recall, r.ndcg,
                    r.hitRate, r.map, r.coverage, m.millisecondsPerUser)
                if let n = r.ndcgInterval, let c = r.recallInterval {
                    out += "  " + Self.interval(n) + "  " + Self.interval(c)
                }
                out += "\n"
            }
        }
        return out
    }

    /// `[0.4012, 0.4391]`
    static func interval(_ i: BootstrapInterval) -> String { String(format: "[%.4f, %.4f]", i.low, i.high) }

    /// `+0.0123 [+0.0071, +0.0176]`
    static func signed(_ value: Double, _ i: BootstrapInterval) -> String {
        String(format: "%+.4f [%+.4f, %+.4f]", value, i.low, i.high)
    }

    /// One line on the two-stage pipeline against the best single method, its
    /// coverage and its all-history answers; nil when the report has none of them.
    public func summaryLine() -> String? {
        var parts: [String] = []
        if let c = twoStageVsBestSingle {
            parts.append(
                "two-stage vs best single (\(c.bestSingle)): NDCG@\(c.k) "
                    + String(format: "%.4f vs %.4f, ratio %.3f, difference ", c.twoStageNDCG, c.bestSingleNDCG, c.ratio)
                    + Self.signed(c.difference, c.differenceInterval) + " (paired bootstrap 95 %)")
        }
        if let k = bootstrap?.k, let coverage = twoStage?.at(k)?.coverage {
            parts.append(String(format: "two-stage coverage@%d %.4f", k, coverage))
        }
        if let share = allHistoryShare {
            parts.append(String(format: "all-history answers %.1f %%", share * 100))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "; ")
    }

    /// Candidate recall for the visitors whose last item is rare, in one line; nil in older reports.
    public func rareItemLine() -> String? {
        guard let r = rareItemRecall else { return nil }
        let values = r.recall.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.4f", $0.value))" }
        return
            "visitors whose last item had < \(r.threshold) training events: \(r.testUsers) test users, \(r.relevantItems) relevant items; candidate recall "
            + values.joined(separator: ", ")
    }

    /// The Markdown section of `twoStageVsBestSingle`, coverage and the all-history share ("" when absent).
    func comparisonMarkdown() -> String {
        guard let c = twoStageVsBestSingle else { return "" }
        let twoStageInterval = twoStage?.at(c.k)?.ndcgInterval.map { " " + Self.interval($0) } ?? ""
        let singleInterval =
            methods.first { $0.name == c.bestSingle }?.at(c.k)?.ndcgInterval.map { " " + Self.interval($0) } ?? ""
        var out = "## Two-stage against the best single method (K = \(c.k))\n\n| measure | value |\n|---|---|\n"
        out += "| best single method (highest NDCG@\(c.k)) | \(c.bestSingle) |\n"
        out += "| NDCG@\(c.k) two-stage | \(String(format: "%.4f", c.twoStageNDCG))\(twoStageInterval) |\n"
        out += "| NDCG@\(c.k) best single | \(String(format: "%.4f", c.bestSingleNDCG))\(singleInterval) |\n"
        out += "| ratio two-stage / best single | \(String(format: "%.3f", c.ratio)) |\n"
        out +=
            "| difference two-stage − best single (paired 95 % interval) | \(Self.signed(c.difference, c.differenceInterval)) |\n"
        if let coverage = twoStage?.at(c.k)?.coverage {
            out += "| item coverage@\(c.k) two-stage | \(String(format: "%.4f", coverage)) |\n"
        }
        if let share = allHistoryShare {
            out +=
                "| two-stage answers (top \(c.k)) only of the visitor's own history | \(String(format: "%.1f %%", share * 100)) |\n"
        }
        return out
            + "\nThe interval resamples the same test users for both methods (per-user NDCG differences).\n\n"
    }

    public func markdown() -> String {
        var out = "# Offline evaluation\n\n"
        out +=
            "Cutoff \(isoDate(cutoff)) (last \(testDays) days are the test window); \(testUsers) test users, \(relevantItems) relevant items.\n\n"
        for w in warnings ?? [] { out += "**Warning:** \(w).\n\n" }
        if let b = bootstrap {
            out +=
                "Intervals: percentile bootstrap, \(b.resamples) resamples of the test users (seed \(b.seed)), \(Int((b.confidence * 100).rounded())) % of the resampled means, at K = \(b.k).\n\n"
        }
        out +=
            "## Candidate recall (share of relevant items that reach the candidates)\n\n| generator | recall |\n|---|---|\n"
        for (name, value) in candidateRecall.sorted(by: { $0.key < $1.key }) {
            out += "| \(name) | \(String(format: "%.4f", value)) |\n"
        }
        out += "\nMean candidates per user: \(String(format: "%.1f", meanCandidates)).\n\n"
        if let line = rareItemLine() { out += line + ".\n\n" }
        out += comparisonMarkdown()
        for k in ks {
            let intervals = methods.contains { $0.at(k)?.ndcgInterval != nil }
            out += "## K = \(k)\n\n| method | precision | recall | NDCG | hit rate | MAP | coverage | ms/user |"
            out +=
                intervals
                ? " NDCG 95% CI | recall 95% CI |\n|---|---|---|---|---|---|---|---|---|---|\n"
                : "\n|---|---|---|---|---|---|---|---|\n"
            for m in methods {
                guard let r = m.at(k) else { continue }
                out += String(
                    format: "| %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.3f |", m.name as NSString,
                    r.precision,
                    r.recall, r.ndcg, r.hitRate, r.map, r.coverage, m.millisecondsPerUser)
                if intervals {
                    out +=
                        " \(r.ndcgInterval.map(Self.interval) ?? "") | \(r.recallInterval.map(Self.interval) ?? "") |"
                }
                out += "\n"
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

    /// Grouped bars of NDCG@k and Recall@k per method, with the bootstrap
    /// 95 % intervals as error bars when the report has them at `k`.
    public func svg(k: Int = 10) -> String {
        let rows = methods.compactMap { m in
            m.at(k).map { (m.name, $0.ndcg, $0.recall, $0.ndcgInterval, $0.recallInterval) }
        }
        let top = max(rows.map { max($0.1, $0.2, $0.3?.high ?? 0, $0.4?.high ?? 0) }.max() ?? 1, 1e-9)
        let barHeight = 9.0
        let rowHeight = 26.0
        let left = 260.0
        let width = 420.0
        let height = Double(rows.count) * rowHeight + 50
        var s = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(left + width + 80))" height="\(Int(height))" font-family="sans-serif" font-size="11">
            <text x="10" y="16" font-size="13">NDCG@\(k) (blue) and Recall@\(k) (orange), test users: \(testUsers)\(rows.contains { $0.3 != nil } ? "; error bars: bootstrap 95 % intervals" : "")</text>

            """
        for (i, r) in rows.enumerated() {
            let y = 30 + Double(i) * rowHeight
            let name = r.0.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            s += "<text x=\"\(left - 6)\" y=\"\(y + 12)\" text-anchor=\"end\">\(name)</text>\n"
            s +=
                "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(r.1 / top * width)\" height=\"\(barHeight)\" fill=\"#3b73b9\"/>\n"
            s +=
                "<text x=\"\(left + max(r.1, r.3?.high ?? 0) / top * width + 4)\" y=\"\(y + 8)\">\(String(format: "%.4f", r.1))</text>\n"
            s +=
                "<rect x=\"\(left)\" y=\"\(y + barHeight + 1)\" width=\"\(r.2 / top * width)\" height=\"\(barHeight)\" fill=\"#e8873a\"/>\n"
            s +=
                "<text x=\"\(left + max(r.2, r.4?.high ?? 0) / top * width + 4)\" y=\"\(y + 2 * barHeight)\">\(String(format: "%.4f", r.2))</text>\n"
            for (interval, middle) in [(r.3, y + barHeight / 2), (r.4, y + barHeight * 1.5 + 1)] {
                if let i = interval { s += Self.errorBar(i, y: middle, left: left, scale: width / top) }
            }
        }
        return s + "</svg>\n"
    }

    /// An interval as a horizontal line with end caps, across its bar.
    static func errorBar(_ i: BootstrapInterval, y: Double, left: Double, scale: Double) -> String {
        let x0 = left + i.low * scale
        let x1 = left + i.high * scale
        return
            "<path class=\"error-bar\" d=\"M\(x0),\(y) H\(x1) M\(x0),\(y - 3) V\(y + 3) M\(x1),\(y - 3) V\(y + 3)\" stroke=\"#222\" stroke-width=\"1\" fill=\"none\"/>\n"
    }
}
