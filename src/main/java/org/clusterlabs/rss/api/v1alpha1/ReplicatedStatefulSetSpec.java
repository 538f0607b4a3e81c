package org.clusterlabs.rss.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.model.annotation.SpecReplicas;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.primaries) || self.primaries <= self.replicas",
        message = "spec.primaries must be less than or equal to spec.replicas", reason = "FieldValueInvalid",
        fieldPath = ".primaries")
public class ReplicatedStatefulSetSpec {

    public static final int MAX_REPLICAS = 64;

    @Required
    @Min(0)
    @Max(MAX_REPLICAS)
    @SpecReplicas
    @JsonPropertyDescription("Number of copies of the application. Each copy is one pod of the owned StatefulSet with its own volumes.")
    private Integer replicas;

    @Min(0)
    @Max(MAX_REPLICAS)
    @JsonPropertyDescription("How many copies run as primaries. Defaults to replicas; the remaining copies run as secondaries.")
    private Integer primaries;

    @Default("false")
    @JsonPropertyDescription("When true the operator only observes: it runs no hook and changes no owned resource.")
    private Boolean paused;

    @Required
    @JsonPropertyDescription("Pod template of the copies. Its container command must NOT start the application: the hooks do that.")
    private PodTemplateSpec template;

    @Size(max = 16)
    @JsonPropertyDescription("Volume claim templates of the owned StatefulSet: one persistent volume set per copy, kept across restarts.")
    private List<PersistentVolumeClaim> volumeClaimTemplates = new ArrayList<>();

    @Size(min = 1, max = 32)
    @JsonPropertyDescription("Ports of the headless peer Service and of the client Service (at least one: a Service that"
            + " clients reach needs a port).")
    private List<ServicePort> servicePorts = new ArrayList<>();

    @Required
    @JsonPropertyDescription("Commands the operator runs inside the copies to read, start, check and stop the application.")
    private HooksSpec hooks;

    @JsonPropertyDescription("How the operator recovers after every copy stopped.")
    private RecoverySpec recovery;

    public Integer getReplicas() {
        return replicas;
    }

    public void setReplicas(Integer replicas) {
        this.replicas = replicas;
    }

    public Integer getPrimaries() {
        return primaries;
    }

    public void setPrimaries(Integer primaries) {
        this.primaries = primaries;
    }

    public Boolean getPaused() {
        return paused;
    }

    public void setPaused(Boolean paused) {
        this.paused = paused;
    }

    public PodTemplateSpec getTemplate() {
        return template;
    }

    public void setTemplate(PodTemplateSpec template) {
        this.template = template;
    }

    public List<PersistentVolumeClaim> getVolumeClaimTemplates() {
        return volumeClaimTemplates;
    }

    public void setVolumeClaimTemplates(List<PersistentVolumeClaim> volumeClaimTemplates) {
        this.volumeClaimTemplates = volumeClaimTemplates;
    }

    public List<ServicePort> getServicePorts() {
        return servicePorts;
    }

    public void setServicePorts(List<ServicePort> servicePorts) {
        this.servicePorts = servicePorts;
    }

    public HooksSpec getHooks() {
        return hooks;
    }

    public void setHooks(HooksSpec hooks) {
        this.hooks = hooks;
    }

    public RecoverySpec getRecovery() {
        return recovery;
    }

    public void setRecovery(RecoverySpec recovery) {
        this.recovery = recovery;
    }

    /** The number of primaries wanted, with the default applied. */
    public int wantedPrimaries() {
        return primaries == null ? replicasOrZero() : primaries;
    }

    public int replicasOrZero() {
        return replicas == null ? 0 : replicas;
    }

    public boolean isPaused() {
        return Boolean.TRUE.equals(paused);
    }

    public RecoverySpec recoveryOrDefault() {
        return recovery == null ? new RecoverySpec() : recovery;
    }
}
