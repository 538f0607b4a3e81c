package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Tier 1: the CRD the build generated is the one `kubectl apply` will install. */
class CrdManifestIT {

    static CustomResourceDefinition crd;
    static CustomResourceDefinitionVersion version;

    @BeforeAll
    static void load() throws Exception {
        crd = GeneratedManifests.crd();
        version = crd.getSpec().getVersions().get(0);
    }

    @Test
    void namesGroupScopeAndShortName() {
        assertThat(crd.getSpec().getGroup()).isEqualTo("clusterlabs.org");
        assertThat(crd.getSpec().getNames().getKind()).isEqualTo("ReplicatedStatefulSet");
        assertThat(crd.getSpec().getNames().getShortNames()).containsExactly("rss");
        assertThat(crd.getSpec().getScope()).isEqualTo("Namespaced");
        assertThat(version.getName()).isEqualTo("v1alpha1");
    }

    @Test
    void statusAndScaleSubresources() {
        assertThat(version.getSubresources().getStatus()).isNotNull();
        var scale = version.getSubresources().getScale();
        assertThat(scale.getSpecReplicasPath()).isEqualTo(".spec.replicas");
        assertThat(scale.getStatusReplicasPath()).isEqualTo(".status.replicas");
        assertThat(scale.getLabelSelectorPath()).isEqualTo(".status.selector");
    }

    @Test
    void printerColumns() {
        assertThat(version.getAdditionalPrinterColumns())
                .extracting(CustomResourceColumnDefinition::getName, CustomResourceColumnDefinition::getJsonPath)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("Phase", ".status.phase"),
                        org.assertj.core.groups.Tuple.tuple("Ready", ".status.ready"),
                        org.assertj.core.groups.Tuple.tuple("Primaries", ".status.primaries"),
                        org.assertj.core.groups.Tuple.tuple("Seed", ".status.seed.pod"),
                        org.assertj.core.groups.Tuple.tuple("Age", ".metadata.creationTimestamp"));
    }

    @Test
    void celRulesArePresentWhereTheyBelong() {
        JSONSchemaProps spec = spec();
        assertThat(rules(spec)).contains("!has(self.primaries) || self.primaries <= self.replicas");
        JSONSchemaProps hooks = spec.getProperties().get("hooks");
        assertThat(rules(hooks)).contains("has(self.sequence) && has(self.primary) && has(self.status)");
        for (String hook : List.of("sequence", "seed", "primary", "secondary", "status", "stop")) {
            JSONSchemaProps h = hooks.getProperties().get(hook);
            assertThat(rules(h)).as(hook).contains("size(self.command) > 0");
            // CEL cost: every list a rule touches is bounded.
            assertThat(h.getProperties().get("command").getMaxItems()).as(hook).isNotNull();
        }
    }

    @Test
    void boundsAndDefaultsAreInTheSchema() {
        JSONSchemaProps spec = spec();
        assertThat(spec.getRequired()).contains("replicas", "template", "hooks");
        assertThat(spec.getProperties().get("replicas").getMinimum()).isEqualTo(0.0);
        assertThat(spec.getProperties().get("hooks").getRequired()).contains("sequence", "primary", "status");
        JSONSchemaProps timeout = spec.getProperties().get("hooks").getProperties().get("sequence")
                .getProperties().get("timeout");
        assertThat(timeout.getPattern()).isEqualTo("^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$");
        assertThat(timeout.getDefault().asText()).isEqualTo("30s");
        JSONSchemaProps recovery = spec.getProperties().get("recovery");
        assertThat(recovery.getProperties().get("whenMembersMissing").getEnum())
                .extracting(n -> n.asText()).containsExactlyInAnyOrder("Wait", "Quorum");
        assertThat(recovery.getProperties().get("whenMembersMissing").getDefault().asText()).isEqualTo("Wait");
    }

    @Test
    void everyOwnFieldIsDescribedForKubectlExplain() {
        List<String> undocumented = new ArrayList<>();
        JSONSchemaProps root = version.getSchema().getOpenAPIV3Schema();
        for (String top : List.of("spec", "status")) {
            JSONSchemaProps props = root.getProperties().get(top);
            collectUndocumented(top, props, undocumented);
        }
        assertThat(undocumented).isEmpty();
    }

    private static void collectUndocumented(String path, JSONSchemaProps props, List<String> out) {
        if (props.getProperties() == null) {
            return;
        }
        for (Map.Entry<String, JSONSchemaProps> e : props.getProperties().entrySet()) {
            String child = path + "." + e.getKey();
            if (isEmbeddedKubernetesType(child)) {
                continue;
            }
            if (e.getValue().getDescription() == null || e.getValue().getDescription().isBlank()) {
                out.add(child);
            }
            collectUndocumented(child, e.getValue(), out);
            if (e.getValue().getItems() != null && e.getValue().getItems().getSchema() != null) {
                collectUndocumented(child + "[]", e.getValue().getItems().getSchema(), out);
            }
        }
    }

    /** Embedded core types (pod template, claims, ports, conditions) carry upstream's schema, not ours. */
    private static boolean isEmbeddedKubernetesType(String path) {
        return path.startsWith("spec.template.") || path.startsWith("spec.volumeClaimTemplates[].")
                || path.startsWith("spec.servicePorts[].") || path.startsWith("status.conditions[].");
    }

    static JSONSchemaProps spec() {
        return version.getSchema().getOpenAPIV3Schema().getProperties().get("spec");
    }

    static List<String> rules(JSONSchemaProps props) {
        return props.getXKubernetesValidations() == null ? List.of()
                : props.getXKubernetesValidations().stream().map(ValidationRule::getRule).toList();
    }
}
