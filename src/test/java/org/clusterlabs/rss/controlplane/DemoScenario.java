package org.clusterlabs.rss.controlplane;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The base of the tier's demo scenarios: one demo app per test class, in the class's own namespace, through the
 * shared packaged operator ({@link ControlPlaneOperator}); the app is deleted after the class (while the operator
 * runs, so that it releases its finalizer). Test classes run one after the other, so the static fields are the
 * running class's.
 */
@ExtendWith(ControlPlaneExtension.class)
abstract class DemoScenario {

    static ControlPlane cp;
    static DemoOnControlPlane demo;

    /** For a class's {@code @BeforeAll}: the demo app with 3 copies, Running, in namespace {@code ns}. */
    static void startDemo(ControlPlane controlPlane, String ns, Map<String, String> env) throws Exception {
        cp = controlPlane;
        demo = DemoOnControlPlane.create(controlPlane, ns, 3, env);
    }

    @AfterAll
    static void deleteDemo() throws Exception {
        if (demo != null) {
            demo.close();
            demo = null;
        }
    }
}
