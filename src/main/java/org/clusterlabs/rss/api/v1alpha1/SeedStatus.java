package org.clusterlabs.rss.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SeedStatus {

    @JsonPropertyDescription("The pod chosen as seed.")
    private String pod;

    @JsonPropertyDescription("The sequence the seed reported when it was elected.")
    private Long sequence;

    @JsonPropertyDescription("The epoch this seed opened.")
    private Long epoch;

    @JsonPropertyDescription("When the seed was recorded (RFC 3339), before its hook ran.")
    private String time;

    @JsonPropertyDescription("How many times the seed hook was started in this epoch.")
    private Integer attempts;

    @JsonPropertyDescription("True when a force-seed annotation chose this seed.")
    private Boolean forced;

    public String getPod() {
        return pod;
    }

    public void setPod(String pod) {
        this.pod = pod;
    }

    public Long getSequence() {
        return sequence;
    }

    public void setSequence(Long sequence) {
        this.sequence = sequence;
    }

    public Long getEpoch() {
        return epoch;
    }

    public void setEpoch(Long epoch) {
        this.epoch = epoch;
    }

    public String getTime() {
        return time;
    }

    public void setTime(String time) {
        this.time = time;
    }

    public Integer getAttempts() {
        return attempts;
    }

    public void setAttempts(Integer attempts) {
        this.attempts = attempts;
    }

    public Boolean getForced() {
        return forced;
    }

    public void setForced(Boolean forced) {
        this.forced = forced;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeedStatus s && Objects.equals(pod, s.pod) && Objects.equals(sequence, s.sequence)
                && Objects.equals(epoch, s.epoch) && Objects.equals(time, s.time)
                && Objects.equals(attempts, s.attempts) && Objects.equals(forced, s.forced);
    }

    @Override
    public int hashCode() {
        return Objects.hash(pod, sequence, epoch, time, attempts, forced);
    }
}
