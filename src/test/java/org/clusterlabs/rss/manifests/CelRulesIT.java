package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.types.SimpleType;
import dev.cel.parser.CelStandardMacro;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tier 1: evaluates the CEL rules exactly as they stand in the generated CRD against valid and invalid samples,
 * with Google's cel-java, so a rule that compiles but means the wrong thing fails here rather than on a cluster.
 */
class CelRulesIT {

    private static final Cel CEL = CelFactory.standardCelBuilder()
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS).addVar("self", SimpleType.DYN).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    static JSONSchemaProps spec;
    static JSONSchemaProps hooks;
    static JSONSchemaProps hook;

    @BeforeAll
    static void load() throws Exception {
        CrdManifestIT.load();
        spec = CrdManifestIT.spec();
        hooks = spec.getProperties().get("hooks");
        hook = hooks.getProperties().get("sequence");
    }

    @Test
    void primariesMustNotExceedReplicas() throws Exception {
        String rule = only(spec);
        assertThat(eval(rule, "{\"replicas\": 3, \"primaries\": 2}")).isTrue();
        assertThat(eval(rule, "{\"replicas\": 3, \"primaries\": 3}")).isTrue();
        assertThat(eval(rule, "{\"replicas\": 3}")).isTrue();
        assertThat(eval(rule, "{\"replicas\": 3, \"primaries\": 4}")).isFalse();
        assertThat(eval(rule, "{\"replicas\": 0, \"primaries\": 1}")).isFalse();
    }

    @Test
    void sequencePrimaryAndStatusHooksArePresent() throws Exception {
        String rule = only(hooks);
        String h = "{\"command\": [\"/hooks/x\"]}";
        assertThat(eval(rule, "{\"sequence\": " + h + ", \"primary\": " + h + ", \"status\": " + h + "}")).isTrue();
        assertThat(eval(rule, "{\"sequence\": " + h + ", \"primary\": " + h + "}")).isFalse();
        assertThat(eval(rule, "{\"primary\": " + h + ", \"status\": " + h + "}")).isFalse();
        assertThat(eval(rule, "{\"sequence\": " + h + ", \"status\": " + h + "}")).isFalse();
    }

    @Test
    void hookTimeoutIsPositiveAndAtMostADay() throws Exception {
        String rule = containing(hook, "timeout");
        assertThat(eval(rule, "{\"command\": [\"x\"], \"timeout\": \"30s\"}")).isTrue();
        assertThat(eval(rule, "{\"command\": [\"x\"]}")).isTrue();
        assertThat(eval(rule, "{\"command\": [\"x\"], \"timeout\": \"1h30m\"}")).isTrue();
        assertThat(eval(rule, "{\"command\": [\"x\"], \"timeout\": \"0s\"}")).isFalse();
        assertThat(eval(rule, "{\"command\": [\"x\"], \"timeout\": \"0ms\"}")).isFalse();
        assertThat(eval(rule, "{\"command\": [\"x\"], \"timeout\": \"25h\"}")).isFalse();
    }

    @Test
    void statusPeriodIsAtLeastASecond() throws Exception {
        String rule = containing(hooks.getProperties().get("status"), "period");
        assertThat(eval(rule, "{\"command\": [\"x\"], \"period\": \"10s\"}")).isTrue();
        assertThat(eval(rule, "{\"command\": [\"x\"], \"period\": \"0s\"}")).isFalse();
        assertThat(eval(rule, "{\"command\": [\"x\"], \"period\": \"500ms\"}")).isFalse();
    }

    @Test
    void hookCommandIsNotEmpty() throws Exception {
        String rule = containing(hook, "command");
        assertThat(eval(rule, "{\"command\": [\"/hooks/sequence\"], \"timeout\": \"30s\"}")).isTrue();
        assertThat(eval(rule, "{\"command\": [], \"timeout\": \"30s\"}")).isFalse();
    }

    @Test
    void everyRuleInTheCrdCompiles() throws Exception {
        List<String> all = new ArrayList<>();
        collect(CrdManifestIT.version.getSchema().getOpenAPIV3Schema(), all);
        assertThat(all).hasSizeGreaterThanOrEqualTo(8);
        for (String rule : all) {
            assertThat(CEL.compile(rule).getAst()).as(rule).isNotNull();
        }
    }

    private static void collect(JSONSchemaProps props, List<String> out) {
        out.addAll(CrdManifestIT.rules(props));
        if (props.getProperties() != null) {
            props.getProperties().values().forEach(p -> collect(p, out));
        }
        if (props.getItems() != null && props.getItems().getSchema() != null) {
            collect(props.getItems().getSchema(), out);
        }
    }

    private static String containing(JSONSchemaProps props, String text) {
        List<String> rules = CrdManifestIT.rules(props).stream().filter(r -> r.contains(text)).toList();
        assertThat(rules).hasSize(1);
        return rules.get(0);
    }

    private static String only(JSONSchemaProps props) {
        List<String> rules = CrdManifestIT.rules(props);
        assertThat(rules).hasSize(1);
        return rules.get(0);
    }

    private static boolean eval(String rule, String selfJson) throws Exception {
        CelAbstractSyntaxTree ast = CEL.compile(rule).getAst();
        Object self = celValue(JSON.readValue(selfJson, Object.class));
        return (Boolean) CEL.createProgram(ast).eval(Map.of("self", self));
    }

    /** JSON numbers become CEL ints (Java longs), as the API server's unstructured values do. */
    private static Object celValue(Object json) {
        if (json instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put((String) k, celValue(v)));
            return out;
        }
        if (json instanceof List<?> list) {
            return list.stream().map(CelRulesIT::celValue).toList();
        }
        if (json instanceof Integer i) {
            return i.longValue();
        }
        return json;
    }
}
