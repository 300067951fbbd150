package dev.fmnist.inference.rest;

import io.quarkus.vertx.http.runtime.RouteConstants;
import io.quarkus.vertx.http.runtime.VertxHttpRecorder;
import io.grpc.StatusRuntimeException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * JSON errors everywhere on the HTTP port, as Triton's HTTP clients parse them: what the HTTP layer
 * answers before any resource runs (an unknown route, a method a route does not take, a body
 * declared over the limit) and what JAX-RS answers itself (404, 405, 415, ...) is
 * {@code {"error": "..."}} with Content-Type application/json, like every refusal of ours.
 *
 * <p>The body limit ({@code quarkus.http.limits.max-body-size}): a {@code Content-Length} over it is
 * answered 413 here, before Quarkus would answer it with an empty body; a chunked body under
 * {@code /v2} is counted by {@link RequestBodies} as it is read (Quarkus's own count, which would end
 * the response empty, is taken off those routes, all of which read their body through it).
 */
@ApplicationScoped
public class HttpErrors {

    private static final Logger LOG = Logger.getLogger(HttpErrors.class);
    /** The statuses the HTTP layer may answer without a resource. */
    private static final List<Integer> LAYER_STATUSES = List.of(400, 404, 405, 406, 413, 415, 500, 501, 503);

    @Inject
    RequestBodies bodies;

    void install(@Observes Router router) {
        long limit = bodies.limit();
        router.route().order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT - 1).handler(context -> {
            String declared = context.request().getHeader(HttpHeaders.CONTENT_LENGTH);
            if (declared != null && declared(declared) > limit) {
                context.response().putHeader(HttpHeaders.CONNECTION, "close");
                send(context, 413, "body: Content-Length " + declared.trim() + " is over the HTTP port's limit of "
                        + limit + " bytes");
                return;
            }
            context.next();
        });
        router.route("/v2/*").order(RouteConstants.ROUTE_ORDER_UPLOAD_LIMIT + 1).handler(context -> {
            context.remove(VertxHttpRecorder.MAX_REQUEST_SIZE_KEY);
            // a refusal is never compressed, whatever Accept-Encoding asks: Triton compresses answers only,
            // and tritonclient.http reads an error's body as plain JSON (Quarkus REST would compress it as
            // application/json; headers-end handlers run last registered first, this one after its choice)
            context.addHeadersEndHandler(v -> {
                if (context.response().getStatusCode() >= 400) {
                    context.response().putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
                }
            });
            context.next();
        });
        for (int status : LAYER_STATUSES) {
            router.errorHandler(status, context -> send(context, status, layerMessage(context, status)));
        }
    }

    private static long declared(String contentLength) {
        try {
            return Long.parseLong(contentLength.trim());
        } catch (NumberFormatException e) {
            return -1; // Vert.x refuses a malformed length itself
        }
    }

    private static String layerMessage(RoutingContext context, int status) {
        String route = context.request().method() + " " + context.request().path();
        return switch (status) {
            case 404 -> "no route for " + route;
            case 405 -> "method not allowed: " + route;
            case 413 -> "body: over the HTTP port's limit";
            default -> context.failure() != null && context.failure().getMessage() != null
                    ? context.failure().getMessage()
                    : "HTTP " + status + " for " + route;
        };
    }

    private static void send(RoutingContext context, int status, String message) {
        if (context.response().ended() || context.response().headWritten()) {
            return;
        }
        if (status == 413) {
            context.response().putHeader(HttpHeaders.CONNECTION, "close");
            context.response().endHandler(v -> context.request().connection().close());
        }
        context.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY).end(RestErrors.json(message));
    }

    @ServerExceptionMapper
    public Response notFound(NotFoundException e, HttpServerRequest request) {
        return RestErrors.of(404, "no route for " + request.method() + " " + request.path());
    }

    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, HttpServerRequest request) {
        Set<String> allowed = e.getResponse().getAllowedMethods();
        Response json = RestErrors.of(405, "method not allowed: " + request.method() + " " + request.path()
                + (allowed.isEmpty() ? "" : " (allowed: " + String.join(", ", allowed) + ")"));
        return allowed.isEmpty() ? json : Response.fromResponse(json).allow(allowed).build();
    }

    /** Whatever else JAX-RS answers itself (415, 406, 400 for an unreadable parameter, ...). */
    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        return RestErrors.of(e.getResponse().getStatus(), e.getMessage());
    }

    /** A failure of ours nobody foresaw: 500, still JSON, and logged. */
    @ServerExceptionMapper
    public Response unexpected(RuntimeException e) {
        if (e instanceof StatusRuntimeException || e instanceof RestErrors.Refusal) {
            return RestErrors.of(e);
        }
        LOG.error("REST request failed", e);
        return RestErrors.of(500, "internal error: " + e);
    }
}
