// A Chart.js plugin that shades incidents behind the data: one band per incident from startedAt to
// endedAt (or the right edge while open), in the state's colour with its hatch and a text label, so the
// band reads in greyscale and for colour-blind readers. Options: plugins.incidentBands.bands =
// [{ from: ms, to: ms | null, state, label }].
import { stateStyle, withAlpha } from "../palette.js";

function hatch(ctx, color, angle) {
  const size = 10;
  const c = document.createElement("canvas");
  c.width = size;
  c.height = size;
  const g = c.getContext("2d");
  g.fillStyle = withAlpha(color, 0.16);
  g.fillRect(0, 0, size, size);
  if (angle !== null) {
    g.strokeStyle = withAlpha(color === "#000000" ? "#555555" : color, 0.55);
    g.lineWidth = 1.5;
    g.translate(size / 2, size / 2);
    g.rotate((angle * Math.PI) / 180);
    for (let x = -size; x <= size; x += size / 2) {
      g.beginPath();
      g.moveTo(x, -size);
      g.lineTo(x, size);
      g.stroke();
    }
  }
  return ctx.createPattern(c, "repeat");
}

export const incidentBands = {
  id: "incidentBands",
  beforeDatasetsDraw(chart, _args, opts) {
    const bands = opts?.bands ?? [];
    const x = chart.scales.x;
    const area = chart.chartArea;
    if (!x || !area || bands.length === 0) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.beginPath();
    ctx.rect(area.left, area.top, area.right - area.left, area.bottom - area.top);
    ctx.clip();
    for (const b of bands) {
      const left = Math.max(area.left, x.getPixelForValue(b.from));
      const right = Math.min(area.right, b.to === null ? area.right : x.getPixelForValue(b.to));
      if (!(right > left)) continue;
      const s = stateStyle(b.state);
      ctx.fillStyle = hatch(ctx, s.color, s.hatch) ?? withAlpha(s.color, 0.16);
      ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
      ctx.fillStyle = withAlpha(s.color === "#F0E442" ? "#8A7F00" : s.color, 0.95);
      ctx.fillRect(left, area.top, right - left, 3);
      // The label when it fits, else the symbol alone (the legend and the incident list name it).
      ctx.font = "600 11px system-ui, sans-serif";
      ctx.fillStyle = "#1a1a1a";
      ctx.textBaseline = "top";
      const full = `${s.symbol} ${b.label ?? ""}`.trim();
      const text = ctx.measureText(full).width <= right - left - 8 ? full : s.symbol;
      if (ctx.measureText(text).width <= right - left - 4) ctx.fillText(text, left + 3, area.top + 6);
    }
    ctx.restore();
  },
};
