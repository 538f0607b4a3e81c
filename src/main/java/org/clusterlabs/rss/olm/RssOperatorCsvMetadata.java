package org.clusterlabs.rss.olm;

import io.quarkiverse.operatorsdk.annotations.CSVMetadata;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Annotations;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Icon;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.InstallMode;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Link;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Maintainer;
import io.quarkiverse.operatorsdk.annotations.CSVMetadata.Provider;
import io.quarkiverse.operatorsdk.annotations.SharedCSVMetadata;

/**
 * The OLM ClusterServiceVersion's metadata, read by the QOSDK bundle generator at build time (target/bundle).
 * What QOSDK 7.2 cannot express (the owned CRD's spec and status descriptors, alm-examples read from examples/, and
 * the split of the operator's rules into namespaced permissions and the nodes-only clusterPermissions) is added by
 * {@code BundleFinisher} (make bundle), and the result is checked by the operator framework's validator (OlmBundleIT).
 * The container image below must match application.properties: ImageAgreementIT checks it.
 */
@CSVMetadata(
        bundleName = RssOperatorCsvMetadata.BUNDLE,
        displayName = "RSS Operator (Replicated StatefulSets)",
        description = RssOperatorCsvMetadata.DESCRIPTION,
        keywords = {"statefulset", "recovery", "lights-out", "galera", "mariadb", "postgresql", "database",
                "replication"},
        maturity = "alpha",
        minKubeVersion = "1.28.0",
        provider = @Provider(name = "ClusterLabs", url = "https://clusterlabs.org"),
        maintainers = @Maintainer(name = "ClusterLabs", email = "users@clusterlabs.org"),
        links = {
                @Link(name = "Source", url = "https://github.com/ClusterLabs/rss-operator"),
                @Link(name = "Documentation", url = "https://github.com/ClusterLabs/rss-operator#readme"),
                @Link(name = "Hook contract", url = "https://github.com/ClusterLabs/rss-operator/blob/main/docs/hooks.md")
        },
        icon = @Icon(fileName = "rss-operator.icon.svg", mediatype = "image/svg+xml"),
        annotations = @Annotations(
                containerImage = "quay.io/clusterlabs/rss-operator:0.1.0-SNAPSHOT",
                repository = "https://github.com/ClusterLabs/rss-operator",
                // the highest level fully met: it installs itself; it does not yet upgrade or back up the applications
                capabilities = "Basic Install",
                categories = "Database",
                others = {
                        @Annotations.Annotation(name = "support", value = "ClusterLabs"),
                        @Annotations.Annotation(name = "description",
                                value = "Lights-out recovery for replicated stateful apps: the newest copy starts first")
                }),
        installModes = {
                @InstallMode(type = "OwnNamespace"),
                @InstallMode(type = "SingleNamespace"),
                @InstallMode(type = "MultiNamespace"),
                @InstallMode(type = "AllNamespaces")
        })
public class RssOperatorCsvMetadata implements SharedCSVMetadata {

    public static final String BUNDLE = "rss-operator";

    static final String DESCRIPTION = """
            rss-operator runs replicated stateful applications (MariaDB Galera, PostgreSQL, RabbitMQ, ...) in a \
            StatefulSet and brings them back in the right order after a lights-out.

            After every copy stopped at once (a power cut, a cluster restart), most replicated applications must \
            start the most up-to-date copy first: start the wrong one and acknowledged writes are lost, or the \
            cluster never forms. The operator asks every copy for its sequence through a hook you provide, seeds \
            the highest one (ties go to the lowest ordinal, and never below the highest sequence it ever elected), \
            then starts the others with the active primaries' addresses. It keeps checking each copy with a status \
            hook, restarts failed members, and runs a stop hook before a copy goes away.

            The operator records each step in the resource's status before it acts, emits Events and Prometheus \
            metrics, and uses leader election so that only one replica acts at a time.

            **Security:** the hooks run in your pods through pods/exec. Whoever may create a \
            ReplicatedStatefulSet in a watched namespace can have commands run in the pods it owns.
            """;
}
