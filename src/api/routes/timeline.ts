// GET /regions/:id/timeline: per-network series of ratios, throughput, TLS handshake time and DNS failures,
// with the incidents overlapping the range.
import { createRoute, type z } from "@hono/zod-openapi";
import { etag } from "hono/etag";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { newRouter, parseRange, publicCache, sendSerialized, serializeJson, type SerializedJson } from "../router.js";
import { errorResponses, errorSchema, regionIdParam, timelineQuerySchema, timelineResponseSchema } from "../schemas.js";
import { ResponseCache } from "../response-cache.js";
import { buildTimeline } from "../timeline-view.js";
import { withdrawnAt } from "../../incident.js";

/** The response schema's type: the body is checked against it here, since it is sent pre-encoded. */
type TimelineBody = z.infer<typeof timelineResponseSchema>;

const BUCKETS = { minute: 60, hour: 3600 } as const;
/** Longest range per bucket width: keeps a response to a few thousand points per network. */
const MAX_RANGE_SECONDS = { minute: 2 * 86400, hour: 400 * 86400 } as const;
const AUTO_MINUTE_UP_TO_SECONDS = 6 * 3600;

export function timelineRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  // The answer is kept serialised: a crowd on one shared link costs one store read and one JSON encoding per ttl.
  const cache = new ResponseCache<SerializedJson<TimelineBody>>(deps.options.timelineCacheMs);
  app.use("/regions/:id/timeline", etag(), publicCache(30));
  app.openapi(
    createRoute({
      method: "get",
      path: "/regions/{id}/timeline",
      summary: "Per-network timeline of one region (default: the last 24 h)",
      request: { params: regionIdParam, query: timelineQuerySchema },
      responses: {
        200: { description: "Timeline", content: { "application/json": { schema: timelineResponseSchema } } },
        404: { description: "Unknown region", content: { "application/json": { schema: errorSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      const region = deps.config.regions.find((r) => r.id === id);
      if (!region) throw new ApiError(404, "not_found", `unknown region ${id}`);
      const demo = deps.siteNotice?.demo === true;
      const requested = q.since && q.until ? Date.parse(q.until) - Date.parse(q.since) : 86400_000;
      const bucket = q.bucket ?? (requested <= AUTO_MINUTE_UP_TO_SECONDS * 1000 ? "minute" : "hour");
      const range = parseRange(q, deps.clock(), 86400, MAX_RANGE_SECONDS[bucket]);
      const bucketSeconds = BUCKETS[bucket];
      const key = `${id}|${range.since.getTime()}|${range.until.getTime()}|${bucketSeconds}`;
      const answer = await cache.get(key, async () => {
        const [rows, incidents] = await Promise.all([
          deps.store.networkStats({ ...range, region: id, bucketSeconds }),
          deps.store.listIncidents({ region: id, ...range, limit: 1000 }),
        ]);
        const built: TimelineBody = {
          ...(demo && { demo: true as const }), // a copied body keeps no X-KeepWatch-Demo header
          region: id,
          bucketSeconds,
          series: buildTimeline(rows, range.since, range.until, bucketSeconds, region.networks),
          // A withdrawn incident is not a finding: no band on a chart (its permalink and the archive still say
          // what was withdrawn and why).
          incidents: incidents.filter((i) => withdrawnAt(i) === null),
        };
        return serializeJson(built);
      });
      return sendSerialized(c, answer) as never;
    },
  );
  return app;
}
