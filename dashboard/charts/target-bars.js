// Success per service (per network when the page shows several) over the page's range: one horizontal bar
// each, worst first, from /regions/:id/targets. Lists differ by colour and by fill (whitelisted solid,
// others hatched), and every bar carries its percentage as text, so no reading depends on colour.
import { h } from "../dom.js";
import { percent } from "../format.js";
import { SERIES, withAlpha as rgba } from "../palette.js";

const MAX_BARS = 30;

function hatch(color) {
  const c = document.createElement("canvas");
  c.width = c.height = 8;
  const g = c.getContext("2d");
  g.fillStyle = rgba(color, 0.25);
  g.fillRect(0, 0, 8, 8);
  g.strokeStyle = color;
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(0, 8);
  g.lineTo(8, 0);
  g.stroke();
  return g.createPattern(c, "repeat");
}

/** The chart's figure, or null when no service has checks in the range. */
export function targetBars(rows, networkName, ctx) {
  const { t, lang } = ctx;
  const shown = rows.filter((r) => r.successRatio !== null).slice(0, MAX_BARS);
  if (!shown.length || !globalThis.Chart) return null;
  const several = new Set(shown.map((r) => r.network)).size > 1;
  const labels = shown.map((r) => (several ? `${r.name} · ${networkName(r.network)}` : r.name));
  const canvas = h("canvas", { role: "img", "data-testid": "chart-targets", "aria-label": `${t("targets.title")}: ${shown.map((r, i) => `${labels[i]} ${percent(r.successRatio, lang)}`).join("; ")}` });
  ctx.afterMount(() => {
    const wl = SERIES.whitelisted.color;
    const other = SERIES.non_whitelisted.color;
    const chart = new globalThis.Chart(canvas, {
      type: "bar",
      data: {
        labels,
        datasets: [{
          label: t("targets.success"),
          data: shown.map((r) => r.successRatio),
          backgroundColor: shown.map((r) => (r.list === "whitelisted" ? rgba(wl, 0.75) : hatch(other))),
          borderColor: shown.map((r) => (r.list === "whitelisted" ? wl : other)),
          borderWidth: 1.5,
        }],
      },
      options: {
        indexAxis: "y",
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { min: 0, max: 1, ticks: { callback: (v) => percent(v, lang) } },
          y: { ticks: { autoSkip: false, font: { size: 11 }, callback: (_, i) => { const s = labels[i]; return s.length > 24 ? `${s.slice(0, 23)}…` : s; } } },
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: (c) => `${percent(c.raw, lang)} (${shown[c.dataIndex].ok} / ${shown[c.dataIndex].total}) · ${t(`list.${shown[c.dataIndex].list}`)}` } },
        },
      },
      plugins: [{
        // The percentage at the end of each bar: the figure is readable without hovering or seeing colour.
        id: "values",
        afterDatasetsDraw(chart) {
          const g = chart.ctx;
          g.save();
          g.font = "11px system-ui, sans-serif";
          g.fillStyle = "#1a1a1a";
          g.textBaseline = "middle";
          chart.getDatasetMeta(0).data.forEach((bar, i) => {
            const text = percent(shown[i].successRatio, lang);
            const x = Math.min(bar.x + 4, chart.chartArea.right - g.measureText(text).width - 2);
            g.fillText(text, x, bar.y);
          });
          g.restore();
        },
      }],
    });
    ctx.onCleanup(() => chart.destroy());
  });
  const legend = h("p", { class: "muted bar-legend" },
    h("span", { class: "swatch wl" }), ` ${t("list.whitelisted")} `, h("span", { class: "swatch nwl" }), ` ${t("list.non_whitelisted")}`);
  const box = h("div", { class: "chart-box" }, canvas);
  // Through the CSSOM, not a style attribute: the page's CSP allows no inline styles.
  box.style.height = `${Math.max(140, shown.length * 24 + 50)}px`;
  return h("figure", { class: "chart target-chart" }, h("figcaption", {}, t("targets.chart")), box, legend);
}
