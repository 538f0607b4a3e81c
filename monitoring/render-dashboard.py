#!/usr/bin/env python3
"""Draws the dashboard's main panels from the series a real Prometheus scraped during MonitoringLiveIT.

    python3 monitoring/render-dashboard.py target/monitoring-live/series.json docs/images/dashboard.png

Needs matplotlib (pip install matplotlib). Not a Grafana screenshot: the same PromQL, drawn with matplotlib.
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PHASES = ["Pending", "Recovering", "Seeding", "Running", "Degraded", "Paused", "Failed"]


DASHBOARD = "monitoring/grafana/rss-operator.json"
LEGENDS = {}
for _p in json.load(open(DASHBOARD))["panels"]:
    for _t in _p.get("targets", []):
        LEGENDS[f'{_p["title"]} [{_t["refId"]}]'] = _t.get("legendFormat", "")


def legend_of(key, metric):
    fmt = LEGENDS.get(key, "")
    for k, v in metric.items():
        fmt = fmt.replace("{{" + k + "}}", v)
    return fmt or ",".join(f"{k}={v}" for k, v in sorted(metric.items()))


def series(data, title):
    """All series of a panel (every target), as (legend, [t], [v])."""
    out = []
    for key, panel in data["panels"].items():
        if key.rsplit(" [", 1)[0] != title:
            continue
        for s in panel["result"]:
            metric = s["metric"]
            legend = legend_of(key, metric)
            ts, vs = [], []
            for p in s["values"]:
                t = float(p[0]) - data["start"]
                if ts and t - ts[-1] > 2.5:  # a gap (the series was absent): do not draw across it
                    ts.append(t - 1)
                    vs.append(float("nan"))
                ts.append(t)
                vs.append(float(p[1]))
            out.append((legend, ts, vs))
    return out


def plot(ax, data, title, legend_map=None, unit=""):
    for legend, ts, vs in series(data, title):
        ax.plot(ts, vs, label=(legend_map(legend) if legend_map else legend), linewidth=1.4)
    ax.set_title(title, fontsize=10, loc="left")
    ax.grid(alpha=0.3)
    if unit:
        ax.set_ylabel(unit, fontsize=8)
    ax.tick_params(labelsize=7)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, loc="upper left")


def main(src, dst):
    data = json.load(open(src))
    fig, axes = plt.subplots(3, 2, figsize=(13, 9), dpi=80)
    fig.suptitle("rss-operator dashboard, shop/db: lights-out, db-2's sequence hook hangs, then answers "
                 "(live Prometheus data from MonitoringLiveIT)", fontsize=11)

    ax = axes[0][0]
    for legend, ts, vs in series(data, "Phase"):
        phase = legend
        ys = [PHASES.index(phase) if v == 1 else None for v in vs]
        ax.scatter(ts, ys, s=6, label=phase)
    ax.set_yticks(range(len(PHASES)), PHASES, fontsize=7)
    ax.set_title("Phase", fontsize=10, loc="left")
    ax.grid(alpha=0.3)
    ax.tick_params(labelsize=7)

    plot(axes[0][1], data, "Ready / desired copies")
    plot(axes[1][0], data, "Hook latency p90 by hook", unit="seconds")
    plot(axes[1][1], data, "Hook outcomes by hook", unit="runs/s")
    plot(axes[2][0], data, "Seed sequence and high-water mark")
    plot(axes[2][1], data, "Current recovery running for", unit="seconds")
    for row in axes:
        for ax in row:
            ax.set_xlim(0, data["end"] - data["start"])
    for ax in axes[2]:
        ax.set_xlabel("seconds since the first scrape (the resource is created just after)", fontsize=8)
    fig.tight_layout()
    fig.savefig(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
