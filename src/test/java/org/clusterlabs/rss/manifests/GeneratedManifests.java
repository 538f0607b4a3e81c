package org.clusterlabs.rss.manifests;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesList;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads the manifests the Quarkus build generated into target/kubernetes. */
final class GeneratedManifests {

    static final Path DIR = Path.of("target", "kubernetes");

    private GeneratedManifests() {
    }

    static CustomResourceDefinition crd() throws IOException {
        try (InputStream in = Files.newInputStream(DIR.resolve("replicatedstatefulsets.clusterlabs.org-v1.yml"))) {
            return Serialization.unmarshal(in, CustomResourceDefinition.class);
        }
    }

    static List<HasMetadata> operatorResources() throws IOException {
        return parse(Files.readString(DIR.resolve("kubernetes.yml")));
    }

    /** Parses a multi-document manifest. */
    static List<HasMetadata> parse(String yaml) {
        Object parsed = Serialization.unmarshal(yaml);
        if (parsed instanceof KubernetesList list) {
            return list.getItems();
        }
        if (parsed instanceof HasMetadata single) {
            return List.of(single);
        }
        @SuppressWarnings("unchecked")
        List<HasMetadata> items = (List<HasMetadata>) parsed;
        return items;
    }
}
