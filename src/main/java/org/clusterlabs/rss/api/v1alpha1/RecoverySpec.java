package org.clusterlabs.rss.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.reportTimeout) || (duration(self.reportTimeout) > duration('0s') && duration(self.reportTimeout) <= duration('24h'))",
        message = "reportTimeout must be greater than 0s and at most 24h", reason = "FieldValueInvalid",
        fieldPath = ".reportTimeout")
public class RecoverySpec {

    public enum MissingMembersPolicy {
        /** Wait for every copy to report its sequence. Safe: no acknowledged write can be lost. */
        Wait,
        /** After reportTimeout, elect from a reporting majority, never below the high-water mark. */
        Quorum
    }

    public enum PrimaryStartPolicy {
        Serial,
        Parallel
    }

    @Default("5m")
    @Pattern(HookSpec.DURATION_PATTERN)
    @JsonPropertyDescription("How long to wait for every copy's sequence before the missing-members policy applies.")
    private String reportTimeout = "5m";

    @Default("Wait")
    @JsonPropertyDescription("What to do when some copies never report a sequence: Wait (the default, safe) or Quorum "
            + "(after reportTimeout, elect the best of a reporting majority, never below the high-water mark).")
    private MissingMembersPolicy whenMembersMissing = MissingMembersPolicy.Wait;

    @Default("Serial")
    @JsonPropertyDescription("Whether the other primaries start one at a time (Serial) or all together (Parallel) once the seed runs.")
    private PrimaryStartPolicy primaryStart = PrimaryStartPolicy.Serial;

    @Default("3")
    @Min(1)
    @Max(100)
    @JsonPropertyDescription("Consecutive failures of a copy after which its pod is deleted and recreated.")
    private Integer failureThreshold = 3;

    @Default("3")
    @Min(0)
    @Max(100)
    @JsonPropertyDescription("How many times a failed seed is retried on the same copy before the operator refuses and waits for a force.")
    private Integer seedRetries = 3;

    public String getReportTimeout() {
        return reportTimeout;
    }

    public void setReportTimeout(String reportTimeout) {
        this.reportTimeout = reportTimeout;
    }

    public MissingMembersPolicy getWhenMembersMissing() {
        return whenMembersMissing;
    }

    public void setWhenMembersMissing(MissingMembersPolicy whenMembersMissing) {
        this.whenMembersMissing = whenMembersMissing;
    }

    public PrimaryStartPolicy getPrimaryStart() {
        return primaryStart;
    }

    public void setPrimaryStart(PrimaryStartPolicy primaryStart) {
        this.primaryStart = primaryStart;
    }

    public Integer getFailureThreshold() {
        return failureThreshold;
    }

    public void setFailureThreshold(Integer failureThreshold) {
        this.failureThreshold = failureThreshold;
    }

    public Integer getSeedRetries() {
        return seedRetries;
    }

    public void setSeedRetries(Integer seedRetries) {
        this.seedRetries = seedRetries;
    }
}
