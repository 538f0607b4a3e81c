package org.clusterlabs.rss.reconciler;

import java.util.Optional;
import org.clusterlabs.rss.recovery.Role;
import org.clusterlabs.rss.resources.Labels;

/** The pod label value of a {@link Role}, and back. */
final class RoleLabel {

    private RoleLabel() {
    }

    static Optional<Role> read(String value) {
        if (Labels.PRIMARY.equals(value)) {
            return Optional.of(Role.PRIMARY);
        }
        if (Labels.SECONDARY.equals(value)) {
            return Optional.of(Role.SECONDARY);
        }
        return Optional.empty();
    }

    static String value(Role role) {
        return role == Role.PRIMARY ? Labels.PRIMARY : Labels.SECONDARY;
    }
}
