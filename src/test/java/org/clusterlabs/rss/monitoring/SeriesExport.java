package org.clusterlabs.rss.monitoring;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes the series of the dashboard's main panels, as Prometheus returned them over the live run, to a JSON file
 * (panel title to query_range result). monitoring/render-dashboard.py draws docs/images/dashboard.png from it.
 */
final class SeriesExport {

    private SeriesExport() {
    }

    static void write(PrometheusServer prom, Path file, long start, long end) throws IOException, InterruptedException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode out = json.createObjectNode();
        out.put("start", start);
        out.put("end", end);
        ObjectNode panels = out.putObject("panels");
        for (Map.Entry<String, String> e : MonitoringFiles.dashboardExpressions().entrySet()) {
            String promql = MonitoringLiveIT.grafana(e.getValue());
            ObjectNode p = panels.putObject(e.getKey());
            p.put("expr", promql);
            p.set("result", prom.queryRange(promql, start, end, 1));
        }
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), out);
    }
}
