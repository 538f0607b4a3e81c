package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OLM bundle: QOSDK's CSV with the project's metadata, finished by BundleFinisher, and accepted by the operator
 * framework's own validator (github.com/operator-framework/api, default validators plus the operatorframework
 * optional suite), built from the Go module proxy by scripts/olm-validate.sh into $HOME/.cache/rss-operator.
 * Errors fail; warnings are printed.
 */
class OlmBundleIT {

    static final Path CSV = BundleFinisher.CSV;
    static Map<String, Object> csv;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void finish() throws IOException {
        BundleFinisher.finish();
        BundleFinisher.finish(); // idempotent
        csv = new ObjectMapper(new YAMLFactory()).readValue(CSV.toFile(), Map.class);
    }

    @Test
    void keepsStringsThatLookLikeNumbersQuoted() throws IOException {
        assertThat(java.nio.file.Files.readString(CSV)).contains("prometheus.io/port: \"8080\"");
    }

    @Test
    @SuppressWarnings("unchecked")
    void carriesTheProjectsMetadata() {
        Map<String, Object> spec = (Map<String, Object>) csv.get("spec");
        Map<String, Object> annotations = (Map<String, Object>) ((Map<String, Object>) csv.get("metadata"))
                .get("annotations");
        assertThat(((Map<String, Object>) spec.get("provider")).get("name")).isEqualTo("ClusterLabs");
        assertThat(spec).containsKeys("description", "icon", "maintainers", "links", "keywords")
                .containsEntry("maturity", "alpha").containsEntry("minKubeVersion", "1.28.0");
        assertThat(annotations).containsKeys("alm-examples", "capabilities", "categories", "containerImage");
        assertThat((List<Map<String, Object>>) spec.get("installModes"))
                .extracting(m -> m.get("type") + "=" + m.get("supported"))
                .containsExactlyInAnyOrder("OwnNamespace=true", "SingleNamespace=true", "MultiNamespace=true",
                        "AllNamespaces=true");
        Map<String, Object> owned = ((List<Map<String, Object>>) ((Map<String, Object>) spec
                .get("customresourcedefinitions")).get("owned")).get(0);
        assertThat(owned).containsKeys("displayName", "description", "specDescriptors", "statusDescriptors");
    }

    @Test
    @SuppressWarnings("unchecked")
    void grantsOnlyNodesClusterWideAndTheRestPerTargetNamespace() {
        Map<String, Object> strategy = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) csv
                .get("spec")).get("install")).get("spec");
        List<Map<String, Object>> cluster = (List<Map<String, Object>>) strategy.get("clusterPermissions");
        assertThat(cluster).flatExtracting(p -> (List<Map<String, Object>>) p.get("rules"))
                .allSatisfy(rule -> assertThat((List<String>) rule.get("resources")).containsExactly("nodes"));
        List<Map<String, Object>> namespaced = (List<Map<String, Object>>) strategy.get("permissions");
        assertThat(namespaced).flatExtracting(p -> (List<Map<String, Object>>) p.get("rules"))
                .flatExtracting(rule -> (List<String>) rule.get("resources"))
                .contains("pods", "pods/exec", "events", "leases", "replicatedstatefulsets");
    }

    @Test
    void almExamplesAreTheExamples() throws Exception {
        assertThat(BundleFinisher.almExamples()).contains("\"kind\" : \"ReplicatedStatefulSet\"");
    }

    @Test
    void theOperatorFrameworkValidatorAcceptsTheBundle() throws Exception {
        Process build = new ProcessBuilder("scripts/olm-validate.sh", "--build-only").redirectErrorStream(true)
                .start();
        String buildOut = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(build.waitFor(15, TimeUnit.MINUTES)).isTrue();
        assertThat(build.exitValue()).as(buildOut).isZero();

        // stderr too: some validators report a CSV they cannot decode only there, and then skip their checks
        Process validate = new ProcessBuilder("scripts/olm-validate.sh", BundleFinisher.BUNDLE.toString())
                .redirectErrorStream(true).start();
        String out = new String(validate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(validate.waitFor(5, TimeUnit.MINUTES)).isTrue();
        System.out.println("olm-validate:\n" + out);
        assertThat(out).doesNotContain("ERROR").doesNotContainIgnoringCase("failed to");
        assertThat(validate.exitValue()).as(out).isZero();
    }
}
