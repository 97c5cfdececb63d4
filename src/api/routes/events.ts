// GET /events: Server-Sent Events. `event: incident` carries an Incident when one opens, changes or closes;
// `event: regions` carries the GET /regions body whenever a region's state or open incidents changed.
import { streamSSE } from "hono/streaming";
import { demoPrefixed } from "../../i18n/demo-label.js";
import type { Incident } from "../../incident.js";
import type { ResolvedDeps } from "../deps.js";
import type { RegionView, RegionsView } from "../../views/region-view.js";
import type { RegionsSource } from "../regions-source.js";
import { newRouter } from "../router.js";

/** What a regions event is about: states and open incidents, not ratios that move every minute. */
function stateKey(regions: RegionView[]): string {
  return JSON.stringify(regions.map((r) => [r.id, r.state, r.openIncidents, r.networks.map((n) => [n.id, n.state])]));
}

type Event = { event: "incident"; data: Incident } | { event: "regions"; data: RegionsView };

/**
 * A demo's events say so in their data, as GET /regions and /incidents do: a bot that relays the stream
 * never sees the page's banner or a header.
 */
function demoMarked(e: Event): (Incident | RegionsView) & { demo: true } {
  if (e.event === "incident") return { ...e.data, summary: demoPrefixed(e.data.summary, "en"), demo: true };
  return { demo: true, ...e.data };
}

export function eventsRoutes(deps: ResolvedDeps, regions: RegionsSource) {
  const app = newRouter();
  const demo = deps.siteNotice?.demo === true;
  app.get("/events", (c) => {
    c.header("Cache-Control", "no-store");
    c.header("X-Accel-Buffering", "no"); // Tell a fronting nginx not to buffer the stream.
    return streamSSE(c, async (s) => {
      const queue: Event[] = [];
      let wake: (() => void) | null = null;
      const push = (e: Event) => {
        queue.push(e);
        wake?.();
      };
      let lastKey = "";
      const checkRegions = async (afterChange: boolean) => {
        try {
          const view = await regions.refresh(afterChange);
          const key = stateKey(view.regions);
          if (key !== lastKey) {
            lastKey = key;
            push({ event: "regions", data: view });
          }
        } catch (err) {
          deps.reportError(err);
        }
      };
      const off = deps.incidentEvents.subscribe((incident) => {
        push({ event: "incident", data: incident });
        void checkRegions(true);
      });
      const refresh = setInterval(() => void checkRegions(false), deps.options.regionsRefreshMs);
      const keepAlive = setInterval(() => {
        void s.write(": keep-alive\n\n");
      }, deps.options.keepAliveMs);
      let closed = false;
      const end = () => {
        closed = true;
        wake?.();
      };
      s.onAbort(end);
      // The server is stopping: end the stream (clients reconnect after `retry`) so the listener can close.
      deps.shutdown?.addEventListener("abort", end, { once: true });
      if (deps.shutdown?.aborted) closed = true;
      try {
        await s.write("retry: 5000\n\n");
        await checkRegions(false); // The current state first, so a new client needs no separate fetch.
        while (!closed) {
          const e = queue.shift();
          if (e) {
            await s.writeSSE({ event: e.event, data: JSON.stringify(demo ? demoMarked(e) : e.data) });
            continue;
          }
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
      } finally {
        deps.shutdown?.removeEventListener("abort", end);
        off();
        clearInterval(refresh);
        clearInterval(keepAlive);
      }
    });
  });
  return app;
}
