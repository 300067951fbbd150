package dev.fmnist.inference.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import dev.fmnist.inference.serving.ModelRepository;
import dev.fmnist.inference.serving.RepositoryControlGate;
import dev.fmnist.proto.inference.ModelRepositoryParameter;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Triton's model-repository extension over HTTP/REST, with Triton's paths and JSON: the index, and
 * load/unload with the same fleet-wide semantics as RepositoryModelLoad/Unload over gRPC (a load with
 * the string parameter {@code version} pins it, without one follows the newest; an unload follows the
 * newest), answered by the same {@link ModelRepository}. Bodies are optional, as tritonclient sends
 * none; their fields and parameters are checked by name.
 */
@Path("/v2/repository")
public class TritonRepositoryResource {

    @Inject
    ModelRepository repository;

    @Inject
    RequestBodies bodies;

    @Inject
    RepositoryControlGate gate;

    /** {@code {"ready": true}} lists only the models with a version live; on a worker, as it reads the body. */
    @POST
    @Path("/index")
    @Blocking
    public Response index(@HeaderParam(RequestBodies.CONTENT_ENCODING) String encoding, InputStream body) {
        try {
            JsonNode request = object(body, encoding, Set.of("ready"));
            JsonNode ready = request.get("ready");
            if (ready != null && !ready.isBoolean()) {
                throw KServeJson.invalid("ready: expected true or false, got " + ready);
            }
            ArrayNode index = KServeJson.MAPPER.createArrayNode();
            for (ModelRepository.IndexEntry entry : repository.index(ready != null && ready.booleanValue())) {
                index.addObject().put("name", entry.name()).put("version", entry.version()).put("state", entry.state())
                        .put("reason", entry.reason());
            }
            return Response.ok(index.toString(), MediaType.APPLICATION_JSON).build();
        } catch (RuntimeException e) {
            return RestErrors.of(e);
        }
    }

    /** Answered once this replica serves the result; on a worker thread, as it waits for the model-control topic. */
    @POST
    @Path("/models/{name}/load")
    @Blocking
    public Response load(@PathParam("name") String name, @HeaderParam(RequestBodies.CONTENT_ENCODING) String encoding,
            InputStream body) {
        try {
            gate.check("REST load");
            repository.load(name, "model", parameters(object(body, encoding, Set.of("parameters"))), "REST load");
            return Response.ok().build();
        } catch (RuntimeException e) {
            return RestErrors.of(e);
        }
    }

    @POST
    @Path("/models/{name}/unload")
    @Blocking
    public Response unload(@PathParam("name") String name, @HeaderParam(RequestBodies.CONTENT_ENCODING) String encoding,
            InputStream body) {
        try {
            gate.check("REST unload");
            repository.unload(name, "model", parameters(object(body, encoding, Set.of("parameters"))), "REST unload");
            return Response.ok().build();
        } catch (RuntimeException e) {
            return RestErrors.of(e);
        }
    }

    /** The body as a JSON object with only {@code fields}; an empty body is an empty object. */
    private JsonNode object(InputStream body, String encoding, Set<String> fields) {
        byte[] bytes = bodies.read(body, encoding);
        if (new String(bytes, StandardCharsets.UTF_8).isBlank()) {
            return KServeJson.MAPPER.createObjectNode();
        }
        JsonNode json;
        try {
            json = KServeJson.MAPPER.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw KServeJson.invalid("body: not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw KServeJson.invalid("body: unreadable: " + e.getMessage());
        }
        if (json == null || !json.isObject()) {
            throw KServeJson.invalid("body: expected a JSON object");
        }
        json.fieldNames().forEachRemaining(field -> {
            if (!fields.contains(field)) {
                throw KServeJson.invalid(field + ": unknown field (expected " + String.join(", ", fields.stream()
                        .sorted().toList()) + ")");
            }
        });
        return json;
    }

    /** {@code parameters} as the messages RepositoryModelLoad/Unload carry: booleans, integers and strings. */
    private static Map<String, ModelRepositoryParameter> parameters(JsonNode request) {
        Map<String, ModelRepositoryParameter> parameters = new LinkedHashMap<>();
        JsonNode node = request.get("parameters");
        if (node == null || node.isNull()) {
            return parameters;
        }
        if (!node.isObject()) {
            throw KServeJson.invalid("parameters: expected an object");
        }
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            JsonNode v = entry.getValue();
            ModelRepositoryParameter.Builder p = ModelRepositoryParameter.newBuilder();
            if (v.isBoolean()) {
                p.setBoolParam(v.booleanValue());
            } else if (v.isIntegralNumber() && v.canConvertToLong()) {
                p.setInt64Param(v.longValue());
            } else if (v.isTextual()) {
                p.setStringParam(v.textValue());
            } else {
                throw KServeJson.invalid("parameters." + entry.getKey() + ": expected a boolean, integer or string, got "
                        + v.getNodeType());
            }
            parameters.put(entry.getKey(), p.build());
        }
        return parameters;
    }
}
