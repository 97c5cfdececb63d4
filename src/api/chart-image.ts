// A success-rate chart drawn on the server (Chart.js on @napi-rs/canvas, a prebuilt binary from npm) for
// link previews and embeds: 1200x630 PNG, the incident's span shaded, the two target lists as lines.
import { createCanvas } from "@napi-rs/canvas";
import { Chart, registerables, type ChartConfiguration } from "chart.js";

Chart.register(...registerables);

export interface ChartImageInput {
  /** One line, or several (a demo's label on its own line above the title). */
  title: string | string[];
  from: number;
  to: number;
  /** Incident span to shade (ms); end null = to the right edge. */
  band: { from: number; to: number | null } | null;
  series: { label: string; color: string; dash?: number[]; points: { x: number; y: number | null }[] }[];
  /** Tick label for an x value (ms), in the reader's zone. */
  tick: (ms: number) => string;
  axisTitle: string;
  /** Longest gap a line bridges (ms); default 15 min. */
  maxGapMs?: number;
}

const WIDTH = 1200;
const HEIGHT = 630;

const bandPlugin = (band: ChartImageInput["band"]) => ({
  id: "band",
  beforeDatasetsDraw(chart: Chart) {
    if (!band) return;
    const { ctx, chartArea: a, scales } = chart;
    const x = scales["x"]!;
    const left = Math.max(a.left, x.getPixelForValue(band.from));
    const right = band.to === null ? a.right : Math.min(a.right, x.getPixelForValue(band.to));
    if (!(right > left)) return;
    ctx.save();
    ctx.fillStyle = "rgba(230, 159, 0, 0.14)";
    ctx.fillRect(left, a.top, right - left, a.bottom - a.top);
    ctx.fillStyle = "rgba(230, 159, 0, 0.95)";
    ctx.fillRect(left, a.top, right - left, 4);
    ctx.restore();
  },
});

export function renderChartPng(input: ChartImageInput): Buffer {
  const canvas = createCanvas(WIDTH, HEIGHT);
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  const config: ChartConfiguration<"line", { x: number; y: number | null }[]> = {
    type: "line",
    data: {
      datasets: input.series.map((s) => ({
        // Empty buckets are dropped and lines bridge gaps up to maxGapMs (probes measure every few minutes,
        // buckets are one minute); a longer silence stays a visible break.
        label: s.label, data: s.points.filter((p) => p.y !== null), borderColor: s.color, backgroundColor: s.color, borderDash: s.dash ?? [],
        borderWidth: 4, pointRadius: 0, spanGaps: input.maxGapMs ?? 15 * 60_000,
      })),
    },
    options: {
      responsive: false, animation: false, devicePixelRatio: 1, parsing: false,
      layout: { padding: 24 },
      scales: {
        x: { type: "linear", min: input.from, max: input.to, ticks: { callback: (v) => input.tick(Number(v)), font: { size: 18 }, maxTicksLimit: 8 },
          title: { display: true, text: input.axisTitle, font: { size: 18 } } },
        y: { min: 0, max: 1, ticks: { callback: (v) => `${Math.round(Number(v) * 100)}%`, font: { size: 18 } } },
      },
      plugins: {
        title: { display: true, text: input.title, font: { size: 28, weight: "bold" }, color: "#102a43" },
        legend: { position: "bottom", labels: { font: { size: 18 } } },
      },
    },
    plugins: [bandPlugin(input.band)],
  };
  // Chart.js accepts any object with getContext(); the napi canvas is one.
  const chart = new Chart(canvas as unknown as HTMLCanvasElement, config);
  const png = canvas.toBuffer("image/png");
  chart.destroy();
  return png;
}
