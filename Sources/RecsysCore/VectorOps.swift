/// Dense float kernels for the factor models: 8-wide SIMD over rows of
/// `k` floats, with a scalar tail. Pointers, because these run billions of
/// times in a fit and array bounds checks would dominate.
public enum VectorOps {
    /// Keeps a value the optimiser would otherwise drop with the loads that
    /// made it (a loop run only for its cache effects).
    @inline(never)
    public static func keep(_ value: Float) {
        if value.isNaN && value.sign == .minus && value.significandBitPattern == 0x12345 { print(value) }
    }

    @inlinable @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ k: Int) -> Float {
        // Four independent accumulators: one would wait on the previous add every step.
        var acc0 = SIMD8<Float>()
        var acc1 = SIMD8<Float>()
        var acc2 = SIMD8<Float>()
        var acc3 = SIMD8<Float>()
        var f = 0
        let ra = UnsafeRawPointer(a)
        let rb = UnsafeRawPointer(b)
        while f + 32 <= k {
            let o = f * 4
            acc0 +=
                ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            acc1 +=
                ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            acc2 +=
                ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
            acc3 +=
                ra.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
            f += 32
        }
        while f + 8 <= k {
            acc0 +=
                ra.loadUnaligned(fromByteOffset: f * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: f * 4, as: SIMD8<Float>.self)
            f += 8
        }
        var s = ((acc0 + acc1) + (acc2 + acc3)).sum()
        while f < k {
            s += a[f] * b[f]
            f += 1
        }
        return s
    }

    /// y += alpha · x
    @inlinable @inline(__always)
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ k: Int) {
        var f = 0
        let rx = UnsafeRawPointer(x)
        let ry = UnsafeMutableRawPointer(y)
        let a = SIMD8<Float>(repeating: alpha)
        while f + 8 <= k {
            let v =
                ry.loadUnaligned(fromByteOffset: f * 4, as: SIMD8<Float>.self) + a
                * rx.loadUnaligned(fromByteOffset: f * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: v, toByteOffset: f * 4, as: SIMD8<Float>.self)
            f += 8
        }
        while f < k {
            y[f] += alpha * x[f]
            f += 1
        }
    }

    /// Items per block of `scoreBlock`: four SIMD8 accumulators.

    public static let blockWidth = 32

    /// out[j] = bias[j] + Σ_f x[f] · y[f × 32 + j] for the 32 items of one
    /// block stored factor-major.
    @inlinable @inline(__always)
    public static func scoreBlock(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ k: Int, bias: UnsafePointer<Float>,
        into out: UnsafeMutablePointer<Float>
    ) {
        let ry = UnsafeRawPointer(y)
        let rb = UnsafeRawPointer(bias)
        var acc0 = rb.loadUnaligned(fromByteOffset: 0, as: SIMD8<Float>.self)
        var acc1 = rb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
        var acc2 = rb.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self)
        var acc3 = rb.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self)
        for f in 0..<k {
            let xf = SIMD8<Float>(repeating: x[f])
            let o = f * 128
            acc0 += xf * ry.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            acc1 += xf * ry.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            acc2 += xf * ry.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
            acc3 += xf * ry.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
        }
        let ro = UnsafeMutableRawPointer(out)
        ro.storeBytes(of: acc0, toByteOffset: 0, as: SIMD8<Float>.self)
        ro.storeBytes(of: acc1, toByteOffset: 32, as: SIMD8<Float>.self)
        ro.storeBytes(of: acc2, toByteOffset: 64, as: SIMD8<Float>.self)
        ro.storeBytes(of: acc3, toByteOffset: 96, as: SIMD8<Float>.self)
    }

    /// out = M · x for a k×k row-major matrix.
    @inlinable @inline(__always)
    public static func matVec(
        _ m: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ k: Int
    ) {
        for r in 0..<k { out[r] = dot(m + r * k, x, k) }
    }

    /// One BPR SGD step on x_u, y_i, y_j with z = σ(−margin); each lane
    /// reads all three old values before writing, as the gradient asks.
    @inlinable @inline(__always)
    public static func bprStep(
        _ xu: UnsafeMutablePointer<Float>, _ yi: UnsafeMutablePointer<Float>, _ yj: UnsafeMutablePointer<Float>,
        z: Float, lr: Float, reg: Float, _ k: Int
    ) {
        var f = 0
        let vz = SIMD8<Float>(repeating: z)
        let vlr = SIMD8<Float>(repeating: lr)
        let vreg = SIMD8<Float>(repeating: reg)
        let px = UnsafeMutableRawPointer(xu)
        let pi = UnsafeMutableRawPointer(yi)
        let pj = UnsafeMutableRawPointer(yj)
        while f + 8 <= k {
            let o = f * 4
            let x = px.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            let a = pi.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            let b = pj.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            px.storeBytes(of: x + vlr * (vz * (a - b) - vreg * x), toByteOffset: o, as: SIMD8<Float>.self)
            pi.storeBytes(of: a + vlr * (vz * x - vreg * a), toByteOffset: o, as: SIMD8<Float>.self)
            pj.storeBytes(of: b + vlr * (-vz * x - vreg * b), toByteOffset: o, as: SIMD8<Float>.self)
            f += 8
        }
        while f < k {
            let x = xu[f]
            let a = yi[f]
            let b = yj[f]
            xu[f] = x + lr * (z * (a - b) - reg * x)
            yi[f] = a + lr * (z * x - reg * a)
            yj[f] = b + lr * (-z * x - reg * b)
            f += 1
        }
    }
}
