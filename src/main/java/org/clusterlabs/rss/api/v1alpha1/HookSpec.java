package org.clusterlabs.rss.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "size(self.command) > 0", message = "command must have at least one entry",
        reason = "FieldValueRequired", fieldPath = ".command")
@ValidationRule(value = "!has(self.timeout) || (duration(self.timeout) > duration('0s') && duration(self.timeout) <= duration('24h'))",
        message = "timeout must be greater than 0s and at most 24h", reason = "FieldValueInvalid",
        fieldPath = ".timeout")
public class HookSpec {

    public static final String DURATION_PATTERN = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$";
    public static final int MAX_ARGS = 64;

    @Required
    @Size(min = 1, max = MAX_ARGS)
    @JsonPropertyDescription("The argv run in the hook container, passed as argv and never through a shell built by the operator. "
            + "Wrap it in `sh -c` yourself if you need a shell.")
    private List<String> command = new ArrayList<>();

    @Default("30s")
    @Pattern(DURATION_PATTERN)
    @JsonPropertyDescription("How long the operator waits for the hook, as a Kubernetes duration such as 30s, 2m or 1h30m. "
            + "When it passes the exec stream is closed and the hook counts as timed out.")
    private String timeout = "30s";

    @JsonPropertyDescription("When true, the argv runs under `timeout -k 5s <timeout>` (coreutils or busybox `timeout` must be "
            + "in the image), so that a hook cannot outlive its timeout in the pod. Without it, a hook that timed out may "
            + "still run, and the operator keeps its copy uncertain until a status check after its timeout.")
    private Boolean killAfterTimeout;

    public HookSpec() {
    }

    public HookSpec(List<String> command, String timeout) {
        this.command = command;
        this.timeout = timeout;
    }

    public List<String> getCommand() {
        return command;
    }

    public void setCommand(List<String> command) {
        this.command = command;
    }

    public Boolean getKillAfterTimeout() {
        return killAfterTimeout;
    }

    public void setKillAfterTimeout(Boolean killAfterTimeout) {
        this.killAfterTimeout = killAfterTimeout;
    }

    public boolean killsAfterTimeout() {
        return Boolean.TRUE.equals(killAfterTimeout);
    }

    public String getTimeout() {
        return timeout;
    }

    public void setTimeout(String timeout) {
        this.timeout = timeout;
    }
}
