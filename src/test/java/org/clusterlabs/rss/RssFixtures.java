package org.clusterlabs.rss;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.PodTemplateSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ServicePortBuilder;
import java.util.ArrayList;
import java.util.List;
import org.clusterlabs.rss.api.v1alpha1.HookSpec;
import org.clusterlabs.rss.api.v1alpha1.HooksSpec;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSetSpec;
import org.clusterlabs.rss.api.v1alpha1.StatusHookSpec;

/** Valid ReplicatedStatefulSets for tests; each test breaks or changes only what it is about. */
public final class RssFixtures {

    private RssFixtures() {
    }

    public static ReplicatedStatefulSet valid(String namespace, String name, int replicas) {
        ReplicatedStatefulSet rss = new ReplicatedStatefulSet();
        rss.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
        ReplicatedStatefulSetSpec spec = new ReplicatedStatefulSetSpec();
        spec.setReplicas(replicas);
        spec.setTemplate(new PodTemplateSpecBuilder()
                .withNewMetadata().addToLabels("app", name).endMetadata()
                .withNewSpec()
                    .withContainers(new ContainerBuilder()
                            .withName("app")
                            .withImage("example/app:1")
                            .withCommand("sleep", "infinity")
                            .addNewVolumeMount().withName("data").withMountPath("/data").endVolumeMount()
                            .build())
                .endSpec()
                .build());
        spec.setVolumeClaimTemplates(new ArrayList<>(List.of(new PersistentVolumeClaimBuilder()
                .withNewMetadata().withName("data").endMetadata()
                .withNewSpec()
                    .withAccessModes("ReadWriteOnce")
                    .withNewResources().addToRequests("storage", new Quantity("1Gi")).endResources()
                .endSpec()
                .build())));
        spec.setServicePorts(new ArrayList<>(List.of(
                new ServicePortBuilder().withName("app").withPort(5000).build())));
        spec.setHooks(hooks("/hooks"));
        rss.setSpec(spec);
        return rss;
    }

    public static HooksSpec hooks(String dir) {
        HooksSpec hooks = new HooksSpec();
        hooks.setSequence(hook(dir + "/sequence"));
        hooks.setSeed(hook(dir + "/seed"));
        hooks.setPrimary(hook(dir + "/primary"));
        hooks.setSecondary(hook(dir + "/secondary"));
        hooks.setStatus(new StatusHookSpec(new ArrayList<>(List.of(dir + "/status")), "10s", "2s"));
        hooks.setStop(hook(dir + "/stop"));
        return hooks;
    }

    private static HookSpec hook(String path) {
        return new HookSpec(new ArrayList<>(List.of(path)), "20s");
    }
}
