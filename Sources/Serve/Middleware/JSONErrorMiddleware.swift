import Hummingbird
import NIOCore
import NIOHTTP1

/// Turns anything thrown below it into a JSON error response: API errors
/// keep their status; unknown paths become 404, known paths with another
/// method 405 (logged under the path's route); a body the HTTP parser refused
/// (a bad chunk size, a connection half-closed mid-body) 400 and one that stalled
/// 408, both closing the connection; anything unexpected becomes a 500 JSON
/// body (never a bare crash).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The router's routes, to tell 404 from 405.
    let routes: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response()
        } catch let error as HTTPError where error.status == .notFound {
            let path = request.uri.path
            if let route = routes.route(matching: path), !route.answered.contains(request.method.rawValue) {
                let methods = route.answered
                // The router labelled it "NotFound"; the path is a known route's.
                context.coreContext.endpointPath.value = route.path
                return APIError(
                    .methodNotAllowed, code: "method_not_allowed",
                    "\(request.method.rawValue) is not allowed on \(path); allowed: \(methods.joined(separator: ", "))",
                    headers: [.allow: methods.joined(separator: ", ")]
                ).response()
            }
            return APIError(.notFound, code: "not_found", "no route for \(request.method.rawValue) \(truncated(path))")
                .response()
        } catch let error as HTTPError {
            return APIError(error.status, code: "http_error", error.body ?? error.status.reasonPhrase).response()
        } catch let error as HTTPParserError {
            // The body's framing is broken: nothing more can be read from this connection.
            return APIError(
                .badRequest, code: "malformed_body", "the request body could not be parsed (\(error))",
                headers: [.connection: "close"]
            ).response()
        } catch is RequestBodyTimeout {
            return APIError(
                .requestTimeout, code: "body_timeout", "the request body stopped arriving before its end",
                headers: [.connection: "close"]
            ).response()
        } catch is NIOTooManyBytesError {
            // A body over the route's limit (`collect(upTo:)`): the client's doing, not ours.
            return APIError(.contentTooLarge, code: "body_too_large", "the request body is too large for this route")
                .response()
        } catch {
            context.logger.error("unexpected error", metadata: ["error": "\(error)"])
            return APIError(.internalServerError, code: "internal", "internal error").response()
        }
    }
}

func truncated(_ s: String, _ n: Int = 120) -> String { s.count > n ? String(s.prefix(n)) + "…" : s }
