package org.clusterlabs.rss.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.sequence) && has(self.primary) && has(self.status)",
        message = "hooks.sequence, hooks.primary and hooks.status are required", reason = "FieldValueRequired")
public class HooksSpec {

    @Size(max = 63)
    @JsonPropertyDescription("Name of the template container the hooks run in. Defaults to the first container.")
    private String container;

    @Min(1)
    @JsonPropertyDescription("At most this many hooks of this resource run at once, over all its copies (a parallel "
            + "start of many copies then runs in waves). Unset: as many as the step needs, within the operator's "
            + "own limit over all resources (rss.hooks.max-concurrent).")
    private Integer maxConcurrent;

    @Required
    @JsonPropertyDescription("Prints the copy's data position as one base-10 64-bit integer on stdout and exits 0. "
            + "Any other result means unknown, never 0.")
    private HookSpec sequence;

    @JsonPropertyDescription("Starts the first primary of a new epoch (bootstraps the cluster). Defaults to the primary hook.")
    private HookSpec seed;

    @Required
    @JsonPropertyDescription("Starts a copy as a primary. The FQDNs of the active primaries are appended as extra arguments.")
    private HookSpec primary;

    @JsonPropertyDescription("Starts a copy as a secondary. The FQDNs of the active primaries are appended. Defaults to the primary hook.")
    private HookSpec secondary;

    @Required
    @JsonPropertyDescription("Reports the copy's state with OCF exit codes: 0 running as secondary, 8 running as primary, "
            + "7 not running, anything else failed.")
    private StatusHookSpec status;

    @JsonPropertyDescription("Stops the copy cleanly. Run before a copy goes away (scale-down, restart, rollout).")
    private HookSpec stop;

    public String getContainer() {
        return container;
    }

    public void setContainer(String container) {
        this.container = container;
    }

    public Integer getMaxConcurrent() {
        return maxConcurrent;
    }

    public void setMaxConcurrent(Integer maxConcurrent) {
        this.maxConcurrent = maxConcurrent;
    }

    public HookSpec getSequence() {
        return sequence;
    }

    public void setSequence(HookSpec sequence) {
        this.sequence = sequence;
    }

    public HookSpec getSeed() {
        return seed;
    }

    public void setSeed(HookSpec seed) {
        this.seed = seed;
    }

    public HookSpec getPrimary() {
        return primary;
    }

    public void setPrimary(HookSpec primary) {
        this.primary = primary;
    }

    public HookSpec getSecondary() {
        return secondary;
    }

    public void setSecondary(HookSpec secondary) {
        this.secondary = secondary;
    }

    public StatusHookSpec getStatus() {
        return status;
    }

    public void setStatus(StatusHookSpec status) {
        this.status = status;
    }

    public HookSpec getStop() {
        return stop;
    }

    public void setStop(HookSpec stop) {
        this.stop = stop;
    }
}
