package org.clusterlabs.rss.manifests;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The image name and tag are defined in one place: application.properties (registry, group, name) and the project
 * version (tag). Everything that names the image must agree with it: the generated Deployment, the committed chart,
 * the release manifest, the OLM CSV's containerImage annotation and the README.
 */
class ImageAgreementIT {

    static String expectedImage() {
        Properties app = new Properties();
        try (InputStream in = Files.newInputStream(Path.of("src/main/resources/application.properties"))) {
            app.load(in);
            return app.getProperty("quarkus.container-image.registry") + "/"
                    + app.getProperty("quarkus.container-image.group") + "/"
                    + app.getProperty("quarkus.container-image.name") + ":" + projectVersion();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String projectVersion() throws IOException {
        String pom = Files.readString(Path.of("pom.xml"));
        Matcher m = Pattern.compile("<artifactId>rss-operator</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    @Test
    void theGeneratedDeploymentUsesTheImage() throws Exception {
        var container = GeneratedManifests.deployment(GeneratedManifests.operatorResources()).getSpec().getTemplate()
                .getSpec().getContainers().get(0);
        assertThat(container.getImage()).isEqualTo(expectedImage());
    }

    @Test
    void theChartDefaultsToTheImageAndItsAppVersionIsTheProjectVersion() throws Exception {
        String image = expectedImage();
        String values = Files.readString(ChartSync.CHART.resolve("values.yaml"));
        assertThat(values).contains("repository: " + image.substring(0, image.lastIndexOf(':')) + "\n");
        assertThat(ReleaseManifests.chartAppVersion()).isEqualTo(projectVersion());
        assertThat(Files.readString(ChartSync.CHART.resolve("Chart.yaml"))).contains("\nversion: " + projectVersion());
    }

    @Test
    void theReleaseManifestUsesTheImage() throws Exception {
        assertThat(ReleaseManifests.install()).contains("image: " + expectedImage() + "\n");
    }

    @Test
    void theCsvAnnotatesTheImage() throws Exception {
        BundleFinisher.finish();
        String csv = Files.readString(BundleFinisher.CSV);
        assertThat(csv).contains("containerImage: " + expectedImage() + "\n")
                .contains("image: " + expectedImage() + "\n");
    }

    @Test
    void theReadmeNamesTheImage() throws Exception {
        String image = expectedImage();
        assertThat(Files.readString(Path.of("README.md"))).contains(image.substring(0, image.lastIndexOf(':')));
    }
}
