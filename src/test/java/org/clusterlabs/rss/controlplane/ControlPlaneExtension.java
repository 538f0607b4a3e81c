package org.clusterlabs.rss.controlplane;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Starts the real control plane once per JVM (or reuses a running one), stops it when the test run ends (only if
 * it started it), injects {@link ControlPlane} into test constructors and methods, and prints the tier's summary
 * line: {@code control plane: kube-apiserver v1.36.3, etcd v3.6.16, kwok v0.8.0; N tests, 0 skipped}.
 */
public final class ControlPlaneExtension implements BeforeAllCallback, ParameterResolver, TestWatcher {

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ControlPlaneExtension.class);
    private static final AtomicInteger PASSED = new AtomicInteger();
    private static final AtomicInteger FAILED = new AtomicInteger();
    private static final AtomicInteger SKIPPED = new AtomicInteger();

    /** The store entry: closed by JUnit at the end of the whole run. */
    private static final class Handle implements AutoCloseable {
        final ControlPlane cp;

        Handle(ControlPlane cp) {
            this.cp = cp;
        }

        @Override
        public void close() {
            int total = PASSED.get() + FAILED.get() + SKIPPED.get();
            System.out.println("control plane: kube-apiserver " + ControlPlane.K8S_VERSION + ", etcd "
                    + ControlPlane.ETCD_VERSION + ", kwok " + ControlPlane.KWOK_VERSION + "; " + total + " tests, "
                    + SKIPPED.get() + " skipped" + (FAILED.get() > 0 ? ", " + FAILED.get() + " failed" : ""));
            ControlPlaneOperator.stopShared();
            cp.stopIfStartedHere();
        }
    }

    static ControlPlane get(ExtensionContext context) {
        return context.getRoot().getStore(NS)
                .getOrComputeIfAbsent(Handle.class, k -> new Handle(ControlPlane.startOrReuse()), Handle.class).cp;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        get(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext e) {
        return p.getParameter().getType() == ControlPlane.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext e) {
        return get(e);
    }

    @Override
    public void testSuccessful(ExtensionContext context) {
        PASSED.incrementAndGet();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        FAILED.incrementAndGet();
    }

    @Override
    public void testAborted(ExtensionContext context, Throwable cause) {
        SKIPPED.incrementAndGet();
    }

    @Override
    public void testDisabled(ExtensionContext context, Optional<String> reason) {
        SKIPPED.incrementAndGet();
    }
}
