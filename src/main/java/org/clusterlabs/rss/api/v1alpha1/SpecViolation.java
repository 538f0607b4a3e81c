package org.clusterlabs.rss.api.v1alpha1;

/** One broken rule of a spec: the field's path and the rule, in words a user can act on. */
public record SpecViolation(String field, String rule) {

    @Override
    public String toString() {
        return field + ": " + rule;
    }
}
