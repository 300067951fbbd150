package dev.fmnist.system;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.fmnist.contract.kafka.KafkaSecurity;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.yaml.snakeyaml.Yaml;

/**
 * The deployment files agree with the services: ports, probe paths, environment variable names and
 * scrape targets are read from the manifests, the compose file and Prometheus's configuration and
 * checked against the services' application.properties, and the external tools validate their files.
 */
class DeploymentFilesTest {

    private static final Path ROOT = PrometheusServer.ROOT;
    private static final YAMLMapper YAML = new YAMLMapper();
    /** ${NAME:default} in application.properties: the environment variables a service reads. */
    private static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Z0-9_]+):([^}]*)}");

    private static final Map<String, JsonNode> k8s = new HashMap<>(); // "Kind/name" -> document
    private static Map<String, String> trainerEnv;
    private static Map<String, String> inferenceEnv;

    @BeforeAll
    static void read() throws IOException {
        try (var files = Files.list(ROOT.resolve("deploy/k8s"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                for (JsonNode doc : YAML.readValues(new YAMLFactory().createParser(file.toFile()), JsonNode.class).readAll()) {
                    if (doc.has("metadata")) {
                        k8s.put(doc.get("kind").asText() + "/" + doc.get("metadata").get("name").asText(), doc);
                    }
                }
            }
        }
        trainerEnv = environment("trainer-service");
        inferenceEnv = environment("inference-service");
    }

    /**
     * The environment variables a service reads, with their defaults: the ${NAME:default} references
     * in its application.properties, and every property key as MicroProfile Config maps it to the
     * environment (fmnist.serving.models is FMNIST_SERVING_MODELS).
     */
    private static Map<String, String> environment(String service) throws IOException {
        Path file = ROOT.resolve(service + "/src/main/resources/application.properties");
        Map<String, String> env = new HashMap<>();
        Properties properties = new Properties();
        try (var in = Files.newInputStream(file)) {
            properties.load(in);
        }
        properties.stringPropertyNames().stream().filter(key -> !key.startsWith("%"))
                .forEach(key -> env.put(key.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_"), properties.getProperty(key)));
        Matcher m = ENV_REFERENCE.matcher(Files.readString(file));
        while (m.find()) {
            env.put(m.group(1), m.group(2));
        }
        return env;
    }

    private static JsonNode container(String deployment) {
        JsonNode d = k8s.get("Deployment/" + deployment);
        assertThat(d).as("Deployment " + deployment).isNotNull();
        return d.at("/spec/template/spec/containers/0");
    }

    private static int port(JsonNode container, String name) {
        for (JsonNode p : container.get("ports")) {
            if (p.get("name").asText().equals(name)) {
                return p.get("containerPort").asInt();
            }
        }
        throw new AssertionError("no port " + name + " in " + container.get("name"));
    }

    @Test
    void trainerDeploymentMatchesTheTrainersConfiguration() {
        JsonNode trainer = container("fmnist-trainer");
        assertThat(port(trainer, "http")).isEqualTo(Integer.parseInt(trainerEnv.get("HTTP_PORT")));
        assertThat(trainer.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");
        assertThat(trainer.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/q/health/ready");
        assertThat(trainer.at("/resources/limits/nvidia.com~1gpu").asInt()).isEqualTo(1);
        JsonNode annotations = k8s.get("Deployment/fmnist-trainer").at("/spec/template/metadata/annotations");
        assertThat(annotations.get("prometheus.io/port").asText()).isEqualTo(trainerEnv.get("HTTP_PORT"));
        assertThat(annotations.get("prometheus.io/path").asText()).isEqualTo("/q/metrics");
        assertNonRootAndReadsOnlyRealVariables("fmnist-trainer", trainerEnv);
    }

    @Test
    void inferenceDeploymentServiceAndAutoscalerFitTogether() {
        JsonNode inference = container("fmnist-inference");
        assertThat(port(inference, "grpc")).isEqualTo(Integer.parseInt(inferenceEnv.get("GRPC_PORT")));
        assertThat(port(inference, "http")).isEqualTo(Integer.parseInt(inferenceEnv.get("HTTP_PORT")));
        assertThat(inference.at("/readinessProbe/httpGet/path").asText()).as("ready = model loaded").isEqualTo("/q/health/ready");
        assertThat(inference.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/q/health/live");

        JsonNode service = k8s.get("Service/fmnist-inference");
        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("grpc");
        assertThat(service.at("/spec/ports/0/port").asInt()).isEqualTo(port(inference, "grpc"));
        JsonNode podLabels = k8s.get("Deployment/fmnist-inference").at("/spec/template/metadata/labels");
        service.at("/spec/selector").properties().forEach(e ->
                assertThat(podLabels.path(e.getKey()).asText()).as("selector " + e.getKey()).isEqualTo(e.getValue().asText()));

        JsonNode hpa = k8s.get("HorizontalPodAutoscaler/fmnist-inference");
        assertThat(hpa.at("/spec/scaleTargetRef/kind").asText()).isEqualTo("Deployment");
        assertThat(k8s).containsKey("Deployment/" + hpa.at("/spec/scaleTargetRef/name").asText());
        assertThat(hpa.at("/spec/minReplicas").asInt()).isGreaterThanOrEqualTo(2);
        assertNonRootAndReadsOnlyRealVariables("fmnist-inference", inferenceEnv);
    }

    @Test
    void podMonitorJobsAreTheJobsTheDashboardsAndAlertsSelect() throws IOException {
        JsonNode monitor = k8s.get("PodMonitor/fmnist");
        String jobLabel = monitor.at("/spec/jobLabel").asText();
        for (String deployment : List.of("fmnist-trainer", "fmnist-inference")) {
            String job = k8s.get("Deployment/" + deployment).at("/spec/template/metadata/labels").get(jobLabel).asText();
            assertThat(Files.readString(ROOT.resolve("deploy/prometheus/alerts.yml"))).contains("job=\"" + job + "\"");
        }
    }

    @Test
    void composeMatchesTheServicesAndPrometheusScrapesThem() throws IOException {
        JsonNode services = compose().get("services");
        assertThat(services.get("trainer-service").get("ports").toString()).contains(":" + trainerEnv.get("HTTP_PORT") + "\"");
        assertThat(services.get("inference-service").get("ports").toString())
                .contains(":" + inferenceEnv.get("GRPC_PORT") + "\"", ":" + inferenceEnv.get("HTTP_PORT") + "\"");
        for (String name : List.of("trainer-service", "inference-service")) {
            Map<String, String> env = name.startsWith("trainer") ? trainerEnv : inferenceEnv;
            variables(services.get(name).get("environment")).stream().filter(DeploymentFilesTest::notMapped)
                    .forEach(variable -> assertThat(env).as(name + " reads " + variable).containsKey(variable));
        }
        JsonNode prometheus = YAML.readTree(ROOT.resolve("deploy/prometheus/prometheus-compose.yml").toFile());
        List<String> targets = new ArrayList<>();
        prometheus.get("scrape_configs").forEach(job -> job.at("/static_configs/0/targets").forEach(t -> targets.add(t.asText())));
        assertThat(targets).containsExactlyInAnyOrder("trainer-service:" + trainerEnv.get("HTTP_PORT"),
                "inference-service:" + inferenceEnv.get("HTTP_PORT"));
    }

    /**
     * TopicSetup connects as the services do: compose's kafka-topics service and the Kubernetes
     * topics job are given every Kafka connection variable the services are given, and compose
     * passes every SASL/SSL variable of the contract's KafkaSecurity (which the services read too).
     */
    @Test
    void theTopicSetupIsGivenTheServicesKafkaConnection() throws IOException {
        JsonNode services = compose().get("services");
        List<String> topics = variables(services.get("kafka-topics").get("environment"));
        for (String name : List.of("trainer-service", "inference-service")) {
            List<String> kafka = variables(services.get(name).get("environment")).stream()
                    .filter(v -> v.startsWith("KAFKA_")).toList();
            assertThat(kafka).as(name).containsAll(KafkaSecurity.VARIABLES.keySet());
            assertThat(topics).as("compose kafka-topics, like " + name).containsAll(kafka);
        }
        List<String> jobMaps = new ArrayList<>();
        k8s.get("Job/fmnist-topics").at("/spec/template/spec/containers/0/envFrom")
                .forEach(ref -> jobMaps.add(ref.at("/configMapRef/name").asText()));
        for (String deployment : List.of("fmnist-trainer", "fmnist-inference")) {
            container(deployment).path("envFrom").forEach(ref -> {
                String map = ref.at("/configMapRef/name").asText();
                if (k8s.get("ConfigMap/" + map).get("data").has("KAFKA_BOOTSTRAP_SERVERS")) {
                    assertThat(jobMaps).as("the topics job's ConfigMaps, like " + deployment + "'s").contains(map);
                }
            });
            assertThat(container(deployment).path("env").findValuesAsText("name")).as(deployment + ": Kafka settings only "
                    + "from ConfigMaps the topics job shares").noneMatch(v -> v.startsWith("KAFKA_"));
        }
    }

    /**
     * One scrape interval: Prometheus's, the one Grafana's datasource is told (else it assumes 15 s for
     * $__rate_interval) and the default of {@code fmnist dashboards --scrape-interval}.
     */
    @Test
    void grafanaAndTheCliKnowPrometheussScrapeInterval() throws IOException {
        String grafana = YAML.readTree(ROOT.resolve("deploy/grafana/provisioning/datasources/prometheus.yml").toFile())
                .at("/datasources/0/jsonData/timeInterval").asText();
        for (String file : List.of("prometheus.yml", "prometheus-compose.yml")) {
            String prometheus = YAML.readTree(ROOT.resolve("deploy/prometheus/" + file).toFile())
                    .at("/global/scrape_interval").asText();
            assertThat(grafana).as("Grafana's timeInterval vs " + file).isEqualTo(prometheus);
        }
        assertThat(dev.fmnist.charts.dashboards.DashboardVariables.DEFAULT_SCRAPE_INTERVAL).isEqualTo(grafana);
    }

    @Test
    void grafanaDashboardsUseTheProvisionedDatasource() throws IOException {
        String uid = YAML.readTree(ROOT.resolve("deploy/grafana/provisioning/datasources/prometheus.yml").toFile())
                .at("/datasources/0/uid").asText();
        ObjectMapper json = new ObjectMapper();
        for (String name : List.of("training.json", "serving.json", "triton-compat.json")) {
            JsonNode dashboard = json.readTree(ROOT.resolve("deploy/grafana/dashboards/" + name).toFile());
            dashboard.get("panels").forEach(panel -> assertThat(panel.at("/datasource/uid").asText())
                    .as(name + " / " + panel.get("title").asText()).isEqualTo(uid));
        }
    }

    @Test
    void theToolsAcceptTheirFiles() throws Exception {
        run("promtool", "check", "rules", "deploy/prometheus/alerts.yml");
        run("promtool", "test", "rules", "deploy/prometheus/alerts-test.yml"); // the alerts fire when they should
        run("promtool", "check", "config", "deploy/prometheus/prometheus.yml");
        run("promtool", "check", "config", "deploy/prometheus/prometheus-compose.yml");
        run("docker-compose", "-f", "docker-compose.yml", "config", "-q");
        run("docker-compose", "-f", "docker-compose.yml", "-f", "docker-compose.gpu.yml", "config", "-q");
        run("docker-compose", "-f", "docker-compose.yml", "-f", "docker-compose.sasl.yml", "config", "-q");
    }

    /**
     * The GPU build cannot drift from the CPU one unseen: the cuda profile swaps the libtorch native
     * library for its CUDA 12.4 build of the same version (the JNI, pinned to that version, serves
     * both) and changes nothing else, and bin/up and bin/test build with it when asked.
     */
    @Test
    void theCudaProfileSelectsTheCudaBuildOfTheSameLibtorchAndTheLaunchersTakeIt() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(ROOT.resolve("pom.xml").toFile());
        XPath xpath = XPathFactory.newInstance().newXPath();
        assertThat(xpath.evaluate("/project/properties/pytorch.native.artifact", pom)).isEqualTo("pytorch-native-cpu");
        assertThat(xpath.evaluate("/project/profiles/profile[id='cuda']/properties/pytorch.native.artifact", pom))
                .isEqualTo("pytorch-native-cu124");
        assertThat(xpath.evaluate("count(/project/profiles/profile[id='cuda']/*)", pom)).as("id and properties only")
                .isEqualTo("2");
        assertThat(xpath.evaluate("count(/project/profiles/profile[id='cuda']/properties/*)", pom)).isEqualTo("1");
        String managed = "/project/dependencyManagement/dependencies/dependency";
        assertThat(xpath.evaluate(managed + "[artifactId='${pytorch.native.artifact}']/version", pom))
                .isEqualTo("${pytorch.version}");
        assertThat(xpath.evaluate(managed + "[artifactId='pytorch-jni']/version", pom))
                .isEqualTo("${pytorch.version}-${djl.version}");
        Document engine = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(ROOT.resolve("fmnist-engine/pom.xml").toFile());
        assertThat(xpath.evaluate("count(/project/dependencies/dependency[artifactId='${pytorch.native.artifact}'])",
                engine)).isEqualTo("1");

        assertThat(output("bin/build-profile")).isEmpty();
        assertThat(output("env", "FMNIST_BUILD_PROFILE=cuda", "bin/build-profile")).isEqualTo("-Pcuda");
        for (String launcher : List.of("bin/up", "bin/test")) {
            assertThat(Files.readString(ROOT.resolve(launcher))).as(launcher)
                    .contains("build_profile=$(bin/build-profile)").contains("${build_profile:+\"$build_profile\"}");
        }
        Process typo = new ProcessBuilder("env", "FMNIST_BUILD_PROFILE=gpu", "bin/build-profile").directory(ROOT.toFile())
                .redirectErrorStream(true).start();
        assertThat(new String(typo.getInputStream().readAllBytes())).contains("must be cpu (the default) or cuda, got 'gpu'");
        assertThat(typo.waitFor()).isEqualTo(2);
    }

    private static String output(String... command) throws Exception {
        Process p = new ProcessBuilder(command).directory(ROOT.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(String.join(" ", command)).isZero();
        return out;
    }

    /**
     * docker-compose.yml with its YAML merge keys ({@code <<: *kafka-client}) resolved: Jackson reads an
     * alias as the anchor's name, so SnakeYAML (Jackson's YAML parser underneath) loads it.
     */
    private static JsonNode compose() throws IOException {
        try (var in = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
            Object loaded = new Yaml().load(in);
            return YAML.valueToTree(loaded);
        }
    }

    /** The variable names of a compose environment map, with YAML merge keys (<<: *anchor) followed. */
    private static List<String> variables(JsonNode environment) {
        List<String> names = new ArrayList<>();
        environment.properties().forEach(e -> {
            if (e.getKey().equals("<<")) {
                names.addAll(variables(e.getValue()));
            } else {
                names.add(e.getKey());
            }
        });
        return names;
    }

    private static void assertNonRootAndReadsOnlyRealVariables(String deployment, Map<String, String> env) {
        JsonNode pod = k8s.get("Deployment/" + deployment).at("/spec/template/spec");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        JsonNode container = pod.at("/containers/0");
        container.path("env").forEach(e -> {
            if (notMapped(e.get("name").asText())) {
                assertThat(env).as(deployment + " reads " + e.get("name").asText()).containsKey(e.get("name").asText());
            }
        });
        container.path("envFrom").forEach(ref -> {
            JsonNode map = k8s.get("ConfigMap/" + ref.at("/configMapRef/name").asText());
            assertThat(map).as("ConfigMap " + ref).isNotNull();
            map.get("data").fieldNames().forEachRemaining(variable -> {
                if (notMapped(variable)) {
                    assertThat(env).as(deployment + " reads " + variable).containsKey(variable);
                }
            });
        });
    }

    /**
     * FMNIST_* variables are the services' own settings, declared by their @ConfigMapping: each
     * service's ConfigKeysTest checks those against the mapping itself. The rest (Quarkus, Kafka,
     * ports) are checked here against application.properties.
     */
    private static boolean notMapped(String variable) {
        return !variable.startsWith("FMNIST_");
    }

    private static void run(String... command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
        builder.environment().put("GRAFANA_ADMIN_PASSWORD", "checked-only");
        for (String login : List.of("ADMIN", "TRAINER", "INFERENCE", "CLIENT", "OPERATOR")) {
            builder.environment().put("FMNIST_KAFKA_" + login + "_PASSWORD", "checked-only"); // docker-compose.sasl.yml's
        }
        Process p = builder.start();
        String output = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(String.join(" ", command) + ":\n" + output).isZero();
    }
}
