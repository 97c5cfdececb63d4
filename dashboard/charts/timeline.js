// Time-series charts on Chart.js's linear axis (milliseconds), labelled in the chosen zone with Intl:
// this avoids shipping a date adapter. Missing buckets become gaps, never interpolated lines.
import { clock, dayMonth, offsetLabel, stamp } from "../format.js";

const TIME_WORD = { en: "Time", ru: "Время", kk: "Уақыт" };
import { incidentBands } from "./incident-bands.js";

/**
 * Timeline points → [{x, y}] for Chart.js. Empty buckets are dropped, and a null point breaks the line
 * wherever data is missing for longer than three of the usual measurement intervals (probes measure every
 * few minutes, so minute buckets are mostly empty without anything being wrong).
 */
export function withGaps(points, bucketSeconds, pick) {
  const filled = points.filter((p) => p.samples > 0);
  const xs = filled.map((p) => new Date(p.t).getTime());
  const steps = xs.slice(1).map((x, i) => x - xs[i]).sort((a, b) => a - b);
  const usual = steps.length ? steps[Math.floor(steps.length / 2)] : bucketSeconds * 1000;
  const maxGap = Math.max(3 * usual, 1.5 * bucketSeconds * 1000);
  const out = [];
  filled.forEach((p, i) => {
    const x = xs[i];
    if (i > 0 && x - xs[i - 1] > maxGap) out.push({ x: xs[i - 1] + usual, y: null });
    const y = pick(p);
    out.push({ x, y: y === undefined ? null : y });
  });
  return out;
}

/** Tick positions on round local hours (every 1, 3, 6 h) or local midnights, in the chosen zone. */
export function timeTicks(from, to, zone) {
  const span = to - from;
  const stepH = span <= 8 * 3_600_000 ? 1 : span <= 30 * 3_600_000 ? 3 : span <= 3 * 86_400_000 ? 12 : 24;
  const hourIn = new Intl.DateTimeFormat("en", { timeZone: zone, hour: "numeric", hourCycle: "h23" });
  const minuteIn = new Intl.DateTimeFormat("en", { timeZone: zone, minute: "numeric" });
  // Start at the first whole local hour (zones with :30 offsets shift the UTC hour grid).
  let t = Math.ceil(from / 60_000) * 60_000;
  while (Number(minuteIn.format(new Date(t))) !== 0 && t < to) t += 60_000;
  const ticks = [];
  for (; t <= to; t += 3_600_000) if (Number(hourIn.format(new Date(t))) % stepH === 0) ticks.push({ value: t });
  return { ticks, daily: stepH >= 12 };
}

/**
 * Draws a chart on `canvas`. datasets: [{ label, data: [{x,y}], color, dash, kind: "line"|"bar" }];
 * bands: incident bands (see incident-bands.js). Returns the Chart instance (caller destroys it).
 */
export function timeChart(canvas, { datasets, bands, zone, lang, from, to, y }) {
  const Chart = globalThis.Chart;
  const { ticks, daily } = timeTicks(from, to, zone);
  // The axis names its zone: a reader comparing with a news report must know which clock this is.
  const axisTitle = `${TIME_WORD[lang] ?? TIME_WORD.en}, ${zone.replace(/_/g, " ")} (${offsetLabel(new Date(to), zone)})`;
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
        pointStyle: d.kind === "bar" ? "rect" : "line",
        pointHitRadius: 6,
        spanGaps: false,
        clip: 4, // a line at exactly 100 % stays visible on the top edge
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
          afterBuildTicks: (axis) => {
            axis.ticks = ticks;
          },
          ticks: {
            maxRotation: 0,
            autoSkipPadding: 12,
            callback: (v) => {
              const iso = new Date(v).toISOString();
              const hm = clock(iso, zone);
              return daily || hm === "00:00" ? dayMonth(new Date(v), zone, lang) : hm;
            },
          },
          title: { display: true, text: axisTitle, color: "#444", font: { size: 11 } },
          grid: { color: "#e6e6e6" },
        },
        y: {
          min: y?.min,
          max: y?.max,
          beginAtZero: true,
          grace: y?.max === undefined ? "8%" : 0,
          ticks: { callback: y?.format ?? ((v) => v), precision: y?.precision },
          grid: { color: "#e6e6e6" },
        },
      },
      plugins: {
        // Line-style legend keys, so the dashed series is told apart by its dash, not only its colour.
        legend: { position: "bottom", labels: { usePointStyle: true, pointStyleWidth: 28 } },
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
