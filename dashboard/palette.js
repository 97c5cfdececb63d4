// Okabe–Ito colours (safe for the common colour-vision deficiencies). A state is never shown by colour
// alone: each has a symbol, a text label, and a hatch pattern (in CSS for badges, on canvas for bands).
export const OKABE_ITO = {
  black: "#000000",
  orange: "#E69F00",
  sky: "#56B4E9",
  green: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  purple: "#CC79A7",
  grey: "#8C8C8C",
};

/** Per state: colour, symbol, and hatch direction (angle in degrees, null = solid). */
export const STATES = {
  normal: { color: OKABE_ITO.green, symbol: "✓", hatch: null },
  unknown: { color: OKABE_ITO.grey, symbol: "?", hatch: null },
  whitelist_only: { color: OKABE_ITO.orange, symbol: "◐", hatch: 45 },
  full_shutdown: { color: OKABE_ITO.vermillion, symbol: "✕", hatch: 0 },
  service_blocking: { color: OKABE_ITO.purple, symbol: "⊘", hatch: -45 },
  throttling: { color: OKABE_ITO.yellow, symbol: "≈", hatch: 90 },
  dns_interference: { color: OKABE_ITO.sky, symbol: "⌁", hatch: 135 },
  dark: { color: OKABE_ITO.black, symbol: "■", hatch: 45 },
};

export function stateStyle(state) {
  return STATES[state] ?? STATES.unknown;
}

/** Series colours for charts: whitelisted solid blue, non-whitelisted dashed vermillion. */
export const SERIES = {
  whitelisted: { color: OKABE_ITO.blue, dash: [] },
  non_whitelisted: { color: OKABE_ITO.vermillion, dash: [6, 4] },
  throughput: { color: OKABE_ITO.green, dash: [] },
  dns: { color: OKABE_ITO.purple, dash: [] },
  tls: { color: OKABE_ITO.orange, dash: [2, 3] },
};

/** "#E69F00" + 0.2 → "rgba(230,159,0,0.2)". */
export function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`;
}
