package dev.fmnist.inference.rest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.fmnist.contract.data.FashionMnist;
import dev.fmnist.contract.predictions.PredictionIds;
import dev.fmnist.inference.config.InferenceConfig;
import dev.fmnist.inference.predictions.RequestIds;
import dev.fmnist.inference.serving.InferenceRequests;
import dev.fmnist.inference.serving.InferenceServer;
import dev.fmnist.inference.serving.ModelDescriptions;
import dev.fmnist.inference.serving.ModelRepository;
import dev.fmnist.inference.serving.ModelSlot;
import io.grpc.StatusRuntimeException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.ByteArrayInputStream;
import java.io.InputStream;

/**
 * The Open Inference Protocol's HTTP/REST binding (KServe v2), beside the gRPC one on the HTTP port:
 * an adapter that turns JSON into the protocol's messages and back. Health, server and model
 * metadata and readiness come from the same {@link ModelRepository} and {@link InferenceServer} as
 * over gRPC, and inference goes through the same {@link InferenceRequests}, so the same batcher
 * answers and the same rules refuse with the same messages. Triton's model-configuration and
 * statistics extensions answer what gRPC's ModelConfig and ModelStatistics do ({@link ModelDescriptions}),
 * as Triton's JSON. Errors are {@code {"error": "..."}} with the status {@link RestErrors} maps them to.
 */
@Path("/v2")
public class KServeResource {

    /** The binary tensor extension's header: how many bytes of the body are the JSON. */
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";
    /**
     * Bodies up to this size are parsed on the event loop (a 64-image binary request is 50 KB): those
     * Quarkus REST buffered whole before the call, up to {@code quarkus.rest.input-buffer-size} (64K).
     */
    static final int INLINE_BODY_BYTES = 64 * 1024;

    @Inject
    ModelRepository repository;

    @Inject
    InferenceRequests inference;

    @Inject
    InferenceServer server;

    @Inject
    InferenceConfig config;

    @Inject
    ModelDescriptions descriptions;

    @Inject
    RequestBodies bodies;

    @GET
    public Response server() {
        ObjectNode body = KServeJson.MAPPER.createObjectNode().put("name", InferenceServer.SERVER_NAME)
                .put("version", server.version());
        ArrayNode extensions = body.putArray("extensions");
        InferenceServer.EXTENSIONS.forEach(extensions::add);
        return json(Response.Status.OK, body);
    }

    @GET
    @Path("/health/live")
    public Response live() {
        return json(Response.Status.OK, KServeJson.MAPPER.createObjectNode().put("live", true));
    }

    /** 200 once every served model has a version live, 503 before. */
    @GET
    @Path("/health/ready")
    public Response ready() {
        boolean ready = repository.ready();
        return json(ready ? Response.Status.OK : Response.Status.SERVICE_UNAVAILABLE,
                KServeJson.MAPPER.createObjectNode().put("ready", ready));
    }

    @GET
    @Path("/models/{name}")
    public Response model(@PathParam("name") String name) {
        return metadata(name, "");
    }

    @GET
    @Path("/models/{name}/versions/{version}")
    public Response modelVersion(@PathParam("name") String name, @PathParam("version") String version) {
        return metadata(name, version);
    }

    @GET
    @Path("/models/{name}/ready")
    public Response modelReady(@PathParam("name") String name) {
        return readiness(name, "");
    }

    @GET
    @Path("/models/{name}/versions/{version}/ready")
    public Response modelVersionReady(@PathParam("name") String name, @PathParam("version") String version) {
        return readiness(name, version);
    }

    @POST
    @Path("/models/{name}/infer")
    public Uni<Response> infer(@PathParam("name") String name, @HeaderParam(HEADER_LENGTH) String headerLength,
            @HeaderParam(RequestBodies.CONTENT_ENCODING) String encoding, InputStream body) {
        return infer(name, "", headerLength, encoding, body);
    }

    @POST
    @Path("/models/{name}/versions/{version}/infer")
    public Uni<Response> inferVersion(@PathParam("name") String name, @PathParam("version") String version,
            @HeaderParam(HEADER_LENGTH) String headerLength, @HeaderParam(RequestBodies.CONTENT_ENCODING) String encoding,
            InputStream body) {
        return infer(name, version, headerLength, encoding, body);
    }

    /**
     * Reads, parses and answers one infer. A small plain body (one image, a few dozen binary ones) is
     * read on the event loop, which costs microseconds and saves a thread hop; a larger, chunked or
     * compressed one on a worker thread, so neither a large JSON body nor inflating one ever holds the
     * event loop up for other clients. The body is bounded on the wire and decoded ({@link RequestBodies}).
     */
    private Uni<Response> infer(String name, String version, String headerLength, String encoding, InputStream body) {
        String requestId = PredictionIds.newRequestId();
        Uni<KServeJson.Parsed> parsing = Uni.createFrom().item(() -> {
            repository.require(name, version, "model");
            byte[] bytes = bodies.read(body, encoding);
            long maxValues = (long) config.serving().maxBatch() * FashionMnist.PIXELS;
            return KServeJson.request(name, version, bytes, headerLength, maxValues);
        });
        if (!inline(body, encoding)) {
            parsing = parsing.runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        }
        return parsing.onItem().transformToUni(parsed -> inference.infer(parsed.request(), requestId,
                InferenceRequests.API_REST).map(response -> {
                KServeJson.Body answer = KServeJson.response(response, parsed.binaryOutput());
                if (answer.binaries().isEmpty()) {
                    return Response.ok(answer.json(), MediaType.APPLICATION_JSON)
                            .header(RequestIds.HTTP_HEADER, requestId).build();
                }
                return Response.ok(answer.bytes(), MediaType.APPLICATION_OCTET_STREAM)
                        .header(HEADER_LENGTH, answer.json().length).header(RequestIds.HTTP_HEADER, requestId).build();
            })).onFailure(e -> e instanceof StatusRuntimeException || e instanceof RestErrors.Refusal)
                .recoverWithItem(RestErrors::of);
    }

    /**
     * Whether the body is small, plain and already buffered whole, so reading it never blocks and it is
     * parsed in place; anything else (a stream still arriving, chunked or large, or one to inflate) is
     * read on a worker.
     */
    private static boolean inline(InputStream body, String encoding) {
        return body instanceof ByteArrayInputStream buffered && buffered.available() <= INLINE_BODY_BYTES
                && !RequestBodies.encoded(encoding);
    }

    /** Triton's model-configuration extension: the ModelConfig gRPC answers, as JSON. */
    @GET
    @Path("/models/{name}/config")
    public Response modelConfig(@PathParam("name") String name) {
        return modelConfig(name, "");
    }

    @GET
    @Path("/models/{name}/versions/{version}/config")
    public Response modelConfig(@PathParam("name") String name, @PathParam("version") String version) {
        try {
            return json(Response.Status.OK, ProtoJson.of(descriptions.config(name, version, "model")));
        } catch (StatusRuntimeException e) {
            return error(e);
        }
    }

    /** Triton's statistics extension, every served model: {@code {"model_stats": [...]}} as ModelStatistics gives it. */
    @GET
    @Path("/models/stats")
    public Response statistics() {
        return statistics("", "");
    }

    @GET
    @Path("/models/{name}/stats")
    public Response statistics(@PathParam("name") String name) {
        return statistics(name, "");
    }

    @GET
    @Path("/models/{name}/versions/{version}/stats")
    public Response statistics(@PathParam("name") String name, @PathParam("version") String version) {
        try {
            return json(Response.Status.OK, ProtoJson.of(descriptions.statistics(name, version, "model")));
        } catch (StatusRuntimeException e) {
            return error(e);
        }
    }

    private Response metadata(String name, String version) {
        try {
            ModelSlot slot = repository.require(name, version, "model");
            return slot.live().use(model -> {
                ObjectNode body = KServeJson.MAPPER.createObjectNode().put("name", slot.name());
                ArrayNode versions = body.putArray("versions").add(model.manifest().version());
                slot.challenger().ifPresent(c -> versions.add(c.version())); // the champion first, then the challenger
                body.put("platform", model.form().platform());
                ArrayNode inputs = body.putArray("inputs");
                tensor(inputs, InferenceServer.INPUT);
                tensor(inputs, InferenceServer.ENCODED_INPUT);
                tensor(body.putArray("outputs"), InferenceServer.OUTPUT);
                return json(Response.Status.OK, body);
            });
        } catch (StatusRuntimeException e) {
            return error(e);
        }
    }

    private static void tensor(ArrayNode list, InferenceServer.Tensor tensor) {
        ObjectNode json = list.addObject().put("name", tensor.name()).put("datatype", tensor.datatype());
        ArrayNode dims = json.putArray("shape");
        tensor.shape().forEach(dims::add);
    }

    private Response readiness(String name, String version) {
        try {
            ModelSlot slot = repository.require(name, version, "model");
            boolean ready = slot.ready();
            return json(ready ? Response.Status.OK : Response.Status.SERVICE_UNAVAILABLE,
                    KServeJson.MAPPER.createObjectNode().put("name", slot.name()).put("ready", ready));
        } catch (StatusRuntimeException e) {
            return error(e);
        }
    }

    private static Response json(Response.Status status, ObjectNode body) {
        return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body.toString()).build();
    }

    /** A gRPC refusal as KServe's {@code {"error": ...}} with the HTTP status {@link RestErrors} maps it to. */
    static Response error(Throwable failure) {
        return RestErrors.of(failure);
    }
}
