package org.clusterlabs.rss.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/** The status hook is run periodically, so it carries a period besides the command and timeout. */
@ValidationRule(value = "!has(self.period) || (duration(self.period) >= duration('1s') && duration(self.period) <= duration('24h'))",
        message = "period must be at least 1s and at most 24h", reason = "FieldValueInvalid", fieldPath = ".period")
public class StatusHookSpec extends HookSpec {

    @Default("10s")
    @Pattern(DURATION_PATTERN)
    @JsonPropertyDescription("How often the status hook runs in every copy, as a Kubernetes duration.")
    private String period = "10s";

    public StatusHookSpec() {
    }

    public StatusHookSpec(List<String> command, String timeout, String period) {
        super(command, timeout);
        this.period = period;
    }

    public String getPeriod() {
        return period;
    }

    public void setPeriod(String period) {
        this.period = period;
    }
}
