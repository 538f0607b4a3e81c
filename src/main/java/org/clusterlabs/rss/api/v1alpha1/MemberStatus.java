package org.clusterlabs.rss.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MemberStatus {

    @JsonPropertyDescription("The pod of this copy.")
    private String pod;

    @JsonPropertyDescription("The pod's ordinal in the StatefulSet.")
    private Integer ordinal;

    @JsonPropertyDescription("Primary, Secondary, Stopped, Failed or Unknown, as the status hook last reported.")
    private String role;

    @JsonPropertyDescription("The last sequence the copy reported, absent when unknown.")
    private Long sequence;

    @JsonPropertyDescription("The last hook run in this copy.")
    private String lastHook;

    @JsonPropertyDescription("The outcome of the last hook: Succeeded, Exited, TimedOut, PodNotFound, ContainerNotFound, Forbidden or ConnectionLost.")
    private String lastHookOutcome;

    @JsonPropertyDescription("When the last hook ended (RFC 3339).")
    private String lastHookTime;

    @JsonPropertyDescription("Consecutive failures counted against this copy.")
    private Integer failures;

    @JsonPropertyDescription("A sentence about this copy, such as why its sequence is unknown.")
    private String message;

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public Integer getOrdinal() {
        return ordinal;
    }

    public void setOrdinal(Integer ordinal) {
        this.ordinal = ordinal;
    }

    public String getRole() {
        return role;
    }

    public void setRole(String role) {
        this.role = role;
    }

    public Long getSequence() {
        return sequence;
    }

    public void setSequence(Long sequence) {
        this.sequence = sequence;
    }

    public String getLastHook() {
        return lastHook;
    }

    public void setLastHook(String lastHook) {
        this.lastHook = lastHook;
    }

    public String getLastHookOutcome() {
        return lastHookOutcome;
    }

    public void setLastHookOutcome(String lastHookOutcome) {
        this.lastHookOutcome = lastHookOutcome;
    }

    public String getLastHookTime() {
        return lastHookTime;
    }

    public void setLastHookTime(String lastHookTime) {
        this.lastHookTime = lastHookTime;
    }

    public Integer getFailures() {
        return failures;
    }

    public void setFailures(Integer failures) {
        this.failures = failures;
    }

    public String getMessage() {
        return message;
    }

    public void setMessage(String message) {
        this.message = message;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MemberStatus m && Objects.equals(pod, m.pod) && Objects.equals(ordinal, m.ordinal)
                && Objects.equals(role, m.role) && Objects.equals(sequence, m.sequence)
                && Objects.equals(lastHook, m.lastHook) && Objects.equals(lastHookOutcome, m.lastHookOutcome)
                && Objects.equals(lastHookTime, m.lastHookTime) && Objects.equals(failures, m.failures)
                && Objects.equals(message, m.message);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pod, ordinal, role, sequence, lastHookOutcome, failures);
    }
}
