package org.clusterlabs.rss.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.model.annotation.LabelSelector;
import io.fabric8.kubernetes.model.annotation.StatusReplicas;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The operator's record. It is also its durable memory: an operator restart resumes from it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ReplicatedStatefulSetStatus {

    @JsonPropertyDescription("The metadata.generation of the spec this status describes.")
    private Long observedGeneration;

    @JsonPropertyDescription("Pending, Recovering, Seeding, Running, Degraded, Paused or Failed.")
    private Phase phase;

    @JsonPropertyDescription("Ready, Recovering, Degraded and SpecValid, each with a reason and a message.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("One entry per copy: its role, last sequence and last hook outcome.")
    private List<MemberStatus> members = new ArrayList<>();

    @JsonPropertyDescription("The recovery epoch: it grows by one with every seed.")
    private Long epoch;

    @JsonPropertyDescription("The seed chosen in the current epoch, recorded before its hook runs.")
    private SeedStatus seed;

    @JsonPropertyDescription("The highest sequence ever elected. No seed goes below it unless forced.")
    private Long highWaterMark;

    @JsonPropertyDescription("When the current lights-out recovery began (RFC 3339); absent when none is in progress.")
    private String recoveryStartedAt;

    @JsonPropertyDescription("When the operator last started a seed, primary, secondary or stop hook (RFC 3339), "
            + "recorded before the hook runs: after an operator restart, hooks of the previous process may still be "
            + "running until this time plus the longest hook timeout.")
    private String lastStartHookAt;

    @JsonPropertyDescription("The most copies seen running at once; a restart from zero refuses fewer unless forced.")
    private Integer lastRunningMembers;

    @StatusReplicas
    @JsonPropertyDescription("Number of pods of the owned StatefulSet.")
    private Integer replicas;

    @JsonPropertyDescription("Number of copies running in their wanted role.")
    private Integer readyReplicas;

    @JsonPropertyDescription("Ready copies over desired copies, for display.")
    private String ready;

    @JsonPropertyDescription("Number of copies running as primaries.")
    private Integer primaries;

    @LabelSelector
    @JsonPropertyDescription("Label selector of the copies' pods, for the scale subresource.")
    private String selector;

    @JsonPropertyDescription("The last pod named by the force-seed annotation that the operator consumed.")
    private String consumedForceSeed;

    public Long getObservedGeneration() {
        return observedGeneration;
    }

    public void setObservedGeneration(Long observedGeneration) {
        this.observedGeneration = observedGeneration;
    }

    public Phase getPhase() {
        return phase;
    }

    public void setPhase(Phase phase) {
        this.phase = phase;
    }

    public List<Condition> getConditions() {
        return conditions;
    }

    public void setConditions(List<Condition> conditions) {
        this.conditions = conditions;
    }

    public List<MemberStatus> getMembers() {
        return members;
    }

    public void setMembers(List<MemberStatus> members) {
        this.members = members;
    }

    public Long getEpoch() {
        return epoch;
    }

    public void setEpoch(Long epoch) {
        this.epoch = epoch;
    }

    public SeedStatus getSeed() {
        return seed;
    }

    public void setSeed(SeedStatus seed) {
        this.seed = seed;
    }

    public Long getHighWaterMark() {
        return highWaterMark;
    }

    public void setHighWaterMark(Long highWaterMark) {
        this.highWaterMark = highWaterMark;
    }

    public String getRecoveryStartedAt() {
        return recoveryStartedAt;
    }

    public void setRecoveryStartedAt(String recoveryStartedAt) {
        this.recoveryStartedAt = recoveryStartedAt;
    }

    public String getLastStartHookAt() {
        return lastStartHookAt;
    }

    public void setLastStartHookAt(String lastStartHookAt) {
        this.lastStartHookAt = lastStartHookAt;
    }

    public Integer getLastRunningMembers() {
        return lastRunningMembers;
    }

    public void setLastRunningMembers(Integer lastRunningMembers) {
        this.lastRunningMembers = lastRunningMembers;
    }

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public Integer getReadyReplicas() {
        return readyReplicas;
    }

    public void setReadyReplicas(Integer readyReplicas) {
        this.readyReplicas = readyReplicas;
    }

    public String getReady() {
        return ready;
    }

    public void setReady(String ready) {
        this.ready = ready;
    }

    public Integer getPrimaries() {
        return primaries;
    }

    public void setPrimaries(Integer primaries) {
        this.primaries = primaries;
    }

    public String getSelector() {
        return selector;
    }

    public void setSelector(String selector) {
        this.selector = selector;
    }

    public String getConsumedForceSeed() {
        return consumedForceSeed;
    }

    public void setConsumedForceSeed(String consumedForceSeed) {
        this.consumedForceSeed = consumedForceSeed;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ReplicatedStatefulSetStatus s)) {
            return false;
        }
        return Objects.equals(observedGeneration, s.observedGeneration) && phase == s.phase
                && Objects.equals(conditions, s.conditions) && Objects.equals(members, s.members)
                && Objects.equals(epoch, s.epoch) && Objects.equals(seed, s.seed)
                && Objects.equals(highWaterMark, s.highWaterMark)
                && Objects.equals(recoveryStartedAt, s.recoveryStartedAt)
                && Objects.equals(lastStartHookAt, s.lastStartHookAt)
                && Objects.equals(lastRunningMembers, s.lastRunningMembers) && Objects.equals(replicas, s.replicas)
                && Objects.equals(readyReplicas, s.readyReplicas) && Objects.equals(ready, s.ready)
                && Objects.equals(primaries, s.primaries) && Objects.equals(selector, s.selector)
                && Objects.equals(consumedForceSeed, s.consumedForceSeed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(observedGeneration, phase, epoch, seed, highWaterMark, replicas, ready);
    }
}
