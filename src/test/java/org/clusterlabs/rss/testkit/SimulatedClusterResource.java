package org.clusterlabs.rss.testkit;

import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.quarkus.test.kubernetes.client.AbstractKubernetesTestResource;
import io.quarkus.test.kubernetes.client.KubernetesTestServer;
import java.lang.annotation.Annotation;
import java.util.Map;

/**
 * The simulated cluster as a Quarkus test resource. Use it with
 * {@code @QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)}; inject
 * {@code @KubernetesTestServer KubernetesMockServer} if needed, and reach the kit through {@link #cluster()}.
 * The operator's client (Quarkus' kubernetes-client) points at the simulated API server; it applies the CRD itself
 * ({@code %test.quarkus.operator-sdk.crd.apply=true}).
 */
public class SimulatedClusterResource extends AbstractKubernetesTestResource<KubernetesMockServer, NamespacedKubernetesClient> {

    private static volatile SimulatedCluster current;

    /** The running cluster of the current test class. */
    public static SimulatedCluster cluster() {
        SimulatedCluster c = current;
        if (c == null) {
            throw new IllegalStateException("no SimulatedCluster: annotate the test with "
                    + "@QuarkusTestResource(value = SimulatedClusterResource.class, restrictToAnnotatedClass = true)");
        }
        return c;
    }

    @Override
    public Map<String, String> start() {
        return super.start();
    }

    @Override
    protected KubernetesMockServer createServer() {
        current = SimulatedCluster.start(new SimulatedCluster.Options().applyCrd(false));
        return current.server();
    }

    @Override
    protected void initServer() {
        // SimulatedCluster.start() already started it
    }

    @Override
    protected NamespacedKubernetesClient getClient() {
        return current.client();
    }

    @Override
    public void stop() {
        SimulatedCluster c = current;
        current = null;
        if (c != null) {
            c.close();
        }
    }

    @Override
    protected Class<?> getInjectedClass() {
        return KubernetesMockServer.class;
    }

    @Override
    protected Class<? extends Annotation> getInjectionAnnotation() {
        return KubernetesTestServer.class;
    }
}
