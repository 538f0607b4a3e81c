package org.clusterlabs.rss.recovery;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.ArchConfiguration;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The planner is pure Java: no Kubernetes, CDI, Quarkus or Jackson, and no clock of its own. */
class RecoveryArchitectureTest {

    private static final String RECOVERY = "org.clusterlabs.rss.recovery";

    private static final JavaClasses planner = importPlanner();

    /** Only the planner's own classes are read; resolving the whole JDK from the classpath is slow and not needed. */
    private static JavaClasses importPlanner() {
        ArchConfiguration config = ArchConfiguration.get();
        boolean resolve = config.resolveMissingDependenciesFromClassPath();
        config.setResolveMissingDependenciesFromClassPath(false);
        try {
            return new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                    .importPackages(RECOVERY);
        } finally {
            config.setResolveMissingDependenciesFromClassPath(resolve);
        }
    }

    @Test
    void dependsOnlyOnJavaAndItself() {
        assertTrue(planner.size() > 10, "the planner's classes were imported");
        classes().that().resideInAPackage(RECOVERY + "..")
                .should().onlyDependOnClassesThat().resideInAnyPackage("java..", RECOVERY + "..")
                .check(planner);
    }

    @Test
    void readsNoClockAndNoRandomness() {
        noClasses().that().resideInAPackage(RECOVERY + "..")
                .should().callMethod(Instant.class, "now")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().dependOnClassesThat().areAssignableTo(Clock.class)
                .orShould().dependOnClassesThat().haveFullyQualifiedName("java.util.Random")
                .check(planner);
    }
}
