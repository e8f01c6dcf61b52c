import Foundation

/// Area under the ROC curve (ties count half) and mean log loss.
public enum BinaryMetrics {
    public static func auc(scores: [Double], labels: [UInt8]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var positives = 0.0
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && scores[order[j + 1]] == scores[order[i]] { j += 1 }
            let averageRank = Double(i + j) / 2 + 1
            for k in i...j where labels[order[k]] == 1 {
                rankSum += averageRank
                positives += 1
            }
            i = j + 1
        }
        let negatives = Double(order.count) - positives
        guard positives > 0 && negatives > 0 else { return 0.5 }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }

    public static func logLoss(probabilities: [Double], labels: [UInt8]) -> Double {
        guard !labels.isEmpty else { return 0 }
        var s = 0.0
        for (p, y) in zip(probabilities, labels) {
            let q = min(max(p, 1e-15), 1 - 1e-15)
            s -= y == 1 ? log(q) : log(1 - q)
        }
        return s / Double(labels.count)
    }
}
