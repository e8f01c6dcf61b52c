import Dataset
import Hummingbird

/// Large answers (a batch of many visitors' lists, the docs page, the OpenAPI document) are gzip'd for
/// clients that say they accept it; small ones, like a single `/recommend` answer, never are: compressing
/// them costs more CPU than the bytes saved.
enum ResponseCompression {
    /// Bodies shorter than this go as they are.
    static let threshold = 8 * 1024

    /// Whether the request's `Accept-Encoding` takes gzip (`gzip`, `x-gzip` or `*` with a non-zero q).
    static func acceptsGzip(_ request: Request) -> Bool {
        var gzip: Double?
        var any: Double?
        for value in request.headers[values: .acceptEncoding] {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                guard let name = parts.first else { continue }
                let q =
                    parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
                switch name {
                case "gzip", "x-gzip": gzip = q
                case "*": any = q
                default: break
                }
            }
        }
        return (gzip ?? any ?? 0) > 0
    }

    /// A 200 with `bytes`, gzip'd when they are long enough and the client accepts it; `Vary` either way,
    /// so a cache keeps the two apart.
    static func response(_ bytes: [UInt8], type: String, for request: Request, headers: HTTPFields = [:]) -> Response {
        response(
            plain: bytes, gzipped: { try? Gzip.compress(bytes, level: 6) }, type: type, for: request, headers: headers)
    }

    /// The same for a body that never changes, compressed once.
    static func response(_ body: StaticBody, type: String, for request: Request, headers: HTTPFields = [:])
        -> Response
    {
        response(plain: body.plain, gzipped: { body.gzipped }, type: type, for: request, headers: headers)
    }

    private static func response(
        plain: [UInt8], gzipped: () -> [UInt8]?, type: String, for request: Request, headers: HTTPFields
    ) -> Response {
        var fields = headers
        fields[.contentType] = type
        fields[.vary] = "Accept-Encoding"
        if plain.count >= threshold, acceptsGzip(request), let packed = gzipped() {
            fields[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: packed)))
        }
        return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: plain)))
    }
}

/// A body that never changes (a page, the OpenAPI document), with its gzip'd form made once, not per request.
struct StaticBody: Sendable {
    let plain: [UInt8]
    /// nil under the threshold.
    let gzipped: [UInt8]?

    init(_ text: String) {
        plain = Array(text.utf8)
        gzipped = plain.count >= ResponseCompression.threshold ? try? Gzip.compress(plain, level: 9) : nil
    }
}
