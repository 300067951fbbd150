package dev.fmnist.contract.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.fmnist.contract.kafka.Topic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The environment variables the deployment files (Kubernetes manifests, docker-compose) set for one
 * service, and what its application.properties reads, for the services' config-key tests.
 */
public final class DeploymentVariables {

    /** The repository root, from a module's directory (where Maven runs its tests). */
    public static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DeploymentVariables() {}

    /** Every variable set for Kubernetes Deployment {@code deployment} (env and envFrom ConfigMaps) and compose service {@code service}. */
    public static Set<String> setFor(String deployment, String service) {
        try {
            Map<String, JsonNode> k8s = new HashMap<>();
            try (var files = Files.list(ROOT.resolve("deploy/k8s"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                    for (JsonNode doc : YAML.readValues(new YAMLFactory().createParser(file.toFile()), JsonNode.class)
                            .readAll()) {
                        if (doc.has("metadata")) {
                            k8s.put(doc.get("kind").asText() + "/" + doc.at("/metadata/name").asText(), doc);
                        }
                    }
                }
            }
            Set<String> names = new TreeSet<>();
            JsonNode container = k8s.get("Deployment/" + deployment).at("/spec/template/spec/containers/0");
            container.path("env").forEach(e -> names.add(e.get("name").asText()));
            container.path("envFrom").forEach(ref ->
                    k8s.get("ConfigMap/" + ref.at("/configMapRef/name").asText()).get("data").fieldNames()
                            .forEachRemaining(names::add));
            JsonNode compose = YAML.readTree(ROOT.resolve("docker-compose.yml").toFile());
            addCompose(compose.at("/services/" + service + "/environment"), names);
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ${NAME:default} references of a service's application.properties. */
    public static Set<String> referencedBy(String module) {
        try {
            Matcher m = ENV_REFERENCE.matcher(Files.readString(
                    ROOT.resolve(module + "/src/main/resources/application.properties")));
            Set<String> names = new TreeSet<>();
            while (m.find()) {
                names.add(m.group(1));
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The FMNIST_* variables the deployments set for a service that it cannot read: neither the
     * environment form of a declared property nor a ${NAME:} reference of its application.properties.
     */
    public static Set<String> unreadable(Set<String> declared, String module, String deployment, String service) {
        Set<String> readable = new TreeSet<>(referencedBy(module));
        declared.forEach(p -> readable.add(environmentName(p)));
        Set<String> unread = new TreeSet<>(setFor(deployment, service));
        unread.removeIf(v -> !v.startsWith("FMNIST_") || readable.contains(v));
        return unread;
    }

    /** The fmnist.* keys of a module's application.properties (any profile) that are not declared. */
    public static Set<String> undeclaredKeys(Set<String> declared, String module) {
        Properties properties = load(module);
        Set<String> keys = new TreeSet<>();
        properties.stringPropertyNames().stream().map(k -> k.replaceFirst("^%[^.]+\\.", ""))
                .filter(k -> k.startsWith("fmnist.") && !declared.contains(k)).forEach(keys::add);
        return keys;
    }

    /**
     * The channel topics of a module's application.properties that are not one of the contract's
     * topics under the configured prefix ({@code ${fmnist.kafka.topic-prefix}.SUFFIX}).
     */
    public static Set<String> strayChannelTopics(String module) {
        Properties properties = load(module);
        Set<String> known = new TreeSet<>();
        for (Topic topic : Topic.values()) {
            known.add(topic.name("${fmnist.kafka.topic-prefix}"));
        }
        Set<String> stray = new TreeSet<>();
        properties.stringPropertyNames().stream().filter(k -> k.matches("mp\\.messaging\\.(incoming|outgoing)\\..+\\.topic"))
                .map(properties::getProperty).filter(v -> !known.contains(v)).forEach(stray::add);
        return stray;
    }

    /** A property name as MicroProfile Config reads it from the environment: fmnist.serving.max-batch is FMNIST_SERVING_MAX_BATCH. */
    public static String environmentName(String property) {
        return property.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
    }

    private static Properties load(String module) {
        Properties properties = new Properties();
        try (var in = Files.newInputStream(ROOT.resolve(module + "/src/main/resources/application.properties"))) {
            properties.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }

    private static void addCompose(JsonNode environment, Set<String> names) {
        environment.properties().forEach(e -> {
            if (e.getKey().equals("<<")) {
                addCompose(e.getValue(), names); // YAML merge key: an anchored block of variables
            } else {
                names.add(e.getKey());
            }
        });
    }
}
