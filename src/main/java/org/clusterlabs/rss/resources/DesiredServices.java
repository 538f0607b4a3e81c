package org.clusterlabs.rss.resources;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import java.util.Map;
import org.clusterlabs.rss.api.v1alpha1.ReplicatedStatefulSet;

public final class DesiredServices {

    public static final String PEER_COMPONENT = "peers";
    public static final String CLIENT_COMPONENT = "client";

    private DesiredServices() {
    }

    /** Headless, and publishing not-ready addresses, so {@code {pod}.{name}} resolves before a copy is ready. */
    public static Service peer(ReplicatedStatefulSet rss) {
        return Ownership.ownedBy(
                service(rss, ResourceNames.peerService(rss), PEER_COMPONENT, Labels.selector(rss))
                        .editSpec()
                            .withClusterIP("None")
                            .withPublishNotReadyAddresses(true)
                        .endSpec()
                        .build(), rss);
    }

    /** Selects only the copies that the operator labelled as active primaries. */
    public static Service client(ReplicatedStatefulSet rss) {
        return Ownership.ownedBy(
                service(rss, ResourceNames.clientService(rss), CLIENT_COMPONENT, Labels.activePrimaries(rss)).build(),
                rss);
    }

    private static ServiceBuilder service(ReplicatedStatefulSet rss, String name, String component,
            Map<String, String> selector) {
        return new ServiceBuilder()
                .withNewMetadata()
                    .withName(name)
                    .withNamespace(rss.getMetadata().getNamespace())
                    .withLabels(Labels.owned(rss, component))
                .endMetadata()
                .withNewSpec()
                    .withSelector(selector)
                    .withPorts(rss.getSpec().getServicePorts())
                .endSpec();
    }
}
