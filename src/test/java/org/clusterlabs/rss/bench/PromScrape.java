package org.clusterlabs.rss.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * One scrape of the operator's {@code /q/metrics}: JOSDK's reconcile timer ({@code operator.sdk.controllers.execution
 * .reconcile}, published with a percentile histogram), summed over its tags.
 */
final class PromScrape {

    static final String RECONCILE = "operator_sdk_controllers_execution_reconcile_seconds";

    /** Cumulative count per upper bound (seconds), summed over every series of the reconcile timer. */
    final TreeMap<Double, Double> buckets = new TreeMap<>();
    double count;
    final String text;

    private PromScrape(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            if (line.startsWith(RECONCILE + "_bucket{")) {
                int le = line.indexOf("le=\"");
                String bound = line.substring(le + 4, line.indexOf('"', le + 4));
                double b = "+Inf".equals(bound) ? Double.POSITIVE_INFINITY : Double.parseDouble(bound);
                buckets.merge(b, value(line), Double::sum);
            } else if (line.startsWith(RECONCILE + "_count")) {
                count += value(line);
            }
        }
    }

    private static double value(String line) {
        String v = line.substring(line.lastIndexOf(' ') + 1);
        return Double.parseDouble(v);
    }

    static PromScrape of(int port) throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + port + "/q/metrics")).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("/q/metrics answered " + r.statusCode());
        }
        return new PromScrape(r.body());
    }

    /** Reconciles between {@code before} and this scrape. */
    double reconcilesSince(PromScrape before) {
        return count - (before == null ? 0 : before.count);
    }

    /**
     * The q-quantile (e.g. 0.99) of the reconciles between {@code before} (null: since start) and this scrape, in
     * milliseconds, from the histogram's buckets: the upper bound of the first bucket that holds the quantile, with
     * linear interpolation inside it (as Prometheus' histogram_quantile). NaN if no reconcile happened in between.
     */
    double quantileMsSince(PromScrape before, double q) {
        Map<Double, Double> delta = new TreeMap<>();
        for (var e : buckets.entrySet()) {
            double prev = before == null ? 0 : before.buckets.getOrDefault(e.getKey(), 0.0);
            delta.put(e.getKey(), e.getValue() - prev);
        }
        double total = delta.getOrDefault(Double.POSITIVE_INFINITY, 0.0);
        if (total <= 0) {
            return Double.NaN;
        }
        double rank = q * total;
        double lowerBound = 0;
        double lowerCount = 0;
        for (var e : delta.entrySet()) {
            if (e.getValue() >= rank) {
                if (e.getKey().isInfinite()) {
                    return lowerBound * 1000; // beyond the last finite bucket: its bound is all we know
                }
                double inBucket = e.getValue() - lowerCount;
                double frac = inBucket <= 0 ? 1 : (rank - lowerCount) / inBucket;
                return (lowerBound + (e.getKey() - lowerBound) * frac) * 1000;
            }
            lowerBound = e.getKey();
            lowerCount = e.getValue();
        }
        return Double.NaN;
    }

    boolean hasReconcileHistogram() {
        return !buckets.isEmpty();
    }
}
