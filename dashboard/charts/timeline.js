// Time-series charts on Chart.js's linear axis (milliseconds), labelled in the chosen zone with Intl:
// this avoids shipping a date adapter. Missing buckets become gaps, never interpolated lines.
import { clock, stamp } from "../format.js";
import { incidentBands } from "./incident-bands.js";

/** [{t, value}] → [{x, y}] with a null point wherever more than 1.5 buckets are missing. */
export function withGaps(points, bucketSeconds, pick) {
  const out = [];
  let prev = null;
  for (const p of points) {
    const x = new Date(p.t).getTime();
    if (prev !== null && x - prev > bucketSeconds * 1500) out.push({ x: prev + bucketSeconds * 1000, y: null });
    const y = pick(p);
    out.push({ x, y: y === undefined ? null : y });
    prev = x;
  }
  return out;
}

/**
 * Draws a chart on `canvas`. datasets: [{ label, data: [{x,y}], color, dash, kind: "line"|"bar" }];
 * bands: incident bands (see incident-bands.js). Returns the Chart instance (caller destroys it).
 */
export function timeChart(canvas, { datasets, bands, zone, from, to, y }) {
  const Chart = globalThis.Chart;
  const spanDays = (to - from) / 86_400_000;
  return new Chart(canvas, {
    type: "line",
    data: {
      datasets: datasets.map((d) => ({
        type: d.kind ?? "line",
        label: d.label,
        data: d.data,
        borderColor: d.color,
        backgroundColor: d.color,
        borderDash: d.dash ?? [],
        borderWidth: 2,
        pointRadius: 0,
        pointHitRadius: 6,
        spanGaps: false,
        barPercentage: 1,
        categoryPercentage: 1,
      })),
    },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      interaction: { mode: "nearest", axis: "x", intersect: false },
      scales: {
        x: {
          type: "linear",
          min: from,
          max: to,
          ticks: {
            maxRotation: 0,
            autoSkipPadding: 12,
            callback: (v) => (spanDays > 1.5 ? stamp(new Date(v).toISOString(), zone).slice(5, 10) : clock(new Date(v).toISOString(), zone)),
          },
          grid: { color: "#e6e6e6" },
        },
        y: {
          min: y?.min,
          max: y?.max,
          beginAtZero: true,
          ticks: { callback: y?.format ?? ((v) => v) },
          grid: { color: "#e6e6e6" },
        },
      },
      plugins: {
        legend: { position: "bottom", labels: { boxWidth: 18, usePointStyle: false } },
        tooltip: {
          callbacks: {
            title: (items) => (items[0] ? `${stamp(new Date(items[0].parsed.x).toISOString(), zone)}` : ""),
            label: (item) => `${item.dataset.label}: ${y?.format ? y.format(item.parsed.y) : item.parsed.y}`,
          },
        },
        incidentBands: { bands },
      },
    },
    plugins: [incidentBands],
  });
}
