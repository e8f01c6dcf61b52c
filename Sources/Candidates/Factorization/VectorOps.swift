/// Dense float kernels for the factor models: 8-wide SIMD over rows of
/// `k` floats, with a scalar tail. Pointers, because these run billions of
/// times in a fit and array bounds checks would dominate.
@usableFromInline
enum VectorOps {
    @inline(__always) @usableFromInline
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ k: Int) -> Float {
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
            acc0 += ra.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o, as: SIMD8<Float>.self)
            acc1 += ra.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 32, as: SIMD8<Float>.self)
            acc2 += ra.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 64, as: SIMD8<Float>.self)
            acc3 += ra.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: o + 96, as: SIMD8<Float>.self)
            f += 32
        }
        while f + 8 <= k {
            acc0 += ra.loadUnaligned(fromByteOffset: f * 4, as: SIMD8<Float>.self)
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
    @inline(__always) @usableFromInline
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ k: Int) {
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

    /// out = M · x for a k×k row-major matrix.
    @inline(__always) @usableFromInline
    static func matVec(
        _ m: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, _ k: Int
    ) {
        for r in 0..<k { out[r] = dot(m + r * k, x, k) }
    }
}
