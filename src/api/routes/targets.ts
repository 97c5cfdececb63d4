// GET /regions/:id/targets (JSON) and /regions/:id/targets.csv: per-service evidence of one region over a
// range — success, the main failure and failures per blocking layer, per network and target — and the bucket
// width it was counted in.
import { createRoute, z } from "@hono/zod-openapi";
import { targetNames, type TargetNames } from "../../config/target-names.js";
import { csvLine, DEMO_COLUMN } from "../csv.js";
import type { ResolvedDeps } from "../deps.js";
import { ApiError } from "../errors.js";
import { newRouter, parseRange, publicCache } from "../router.js";
import { errorResponses, errorSchema, isoTime, regionIdParam } from "../schemas.js";
import { buildTargetRows, type TargetRow } from "../target-view.js";

const query = z.object({
  network: z.string().optional(),
  since: isoTime.optional().openapi({ description: "Inclusive; default: until − 24 h" }),
  until: isoTime.optional().openapi({ description: "Exclusive; default: now. At most 400 days" }),
  bom: z.enum(["0", "1"]).optional().openapi({ description: "CSV only: 1 starts the file with a UTF-8 byte-order mark (for spreadsheets)" }),
});

const rowSchema = z.object({
  network: z.string(), url: z.string(), name: z.string(), category: z.string(), list: z.string(),
  total: z.number().int(), ok: z.number().int(), successRatio: z.number().nullable(), down: z.number().int(),
  blocked: z.record(z.string(), z.number()), mainFailure: z.string().nullable(), lastAt: z.string(),
}).openapi("TargetEvidence");

const LAYERS = ["dns", "tcp", "tls", "http-failure", "http-diff"] as const;
export const TARGET_CSV_COLUMNS = ["region", "network", "network_name", "url", "service", "category", "list", "checks", "ok",
  "success_ratio", "main_failure", "down", ...LAYERS.map((l) => `blocked_${l.replace("-", "_")}`), "last_at", "bucket_seconds", DEMO_COLUMN] as const;

/** The bucket width of the answer, as a header on JSON and CSV (the CSV also has it in a column: files keep no header). */
export const BUCKET_HEADER = "X-KeepWatch-Bucket-Seconds";

/**
 * Minute rollups for a range of up to two days that starts inside the per-target minute horizon
 * (retention.targetMinuteDays; older minute rows are pruned), hour rollups otherwise: a range reaching past
 * the horizon is answered whole from hours rather than half-empty from minutes. Either way a bucket counts
 * when it starts inside the range.
 */
export function targetBucketSeconds(range: { since: Date; until: Date }, now: Date, targetMinuteDays: number): 60 | 3600 {
  const short = range.until.getTime() - range.since.getTime() <= 2 * 86_400_000;
  const recent = range.since.getTime() >= now.getTime() - targetMinuteDays * 86_400_000;
  return short && recent ? 60 : 3600;
}

export function targetsRoutes(deps: ResolvedDeps) {
  const app = newRouter();
  let names: TargetNames | undefined;
  app.use("/regions/:id/targets", publicCache(30));
  app.use("/regions/:id/targets.csv", publicCache(30));

  const load = async (id: string, q: z.infer<typeof query>): Promise<{ bucketSeconds: number; rows: TargetRow[] }> => {
    if (!deps.config.regions.some((r) => r.id === id)) throw new ApiError(404, "not_found", `unknown region ${id}`);
    const now = deps.clock();
    const range = parseRange(q, now, 86400, 400 * 86400);
    const bucketSeconds = targetBucketSeconds(range, now, deps.config.retention.targetMinuteDays);
    const rows = await deps.store.targetStats({ ...range, region: id, bucketSeconds });
    names ??= targetNames(deps.config);
    return { bucketSeconds, rows: buildTargetRows(rows, names, q.network) };
  };

  app.openapi(
    createRoute({
      method: "get", path: "/regions/{id}/targets", summary: "Per-service evidence of a region: success and failures per network and target",
      request: { params: regionIdParam, query },
      responses: {
        200: {
          description: "Targets, worst first",
          content: { "application/json": { schema: z.object({
            demo: z.literal(true).optional(),
            region: z.string(),
            bucketSeconds: z.number().int().openapi({ description: "60: minute rollups; 3600: hour rollups (a range over two days, or one starting before retention.targetMinuteDays), counted from the first whole hour of the range" }),
            targets: z.array(rowSchema),
          }) } },
        },
        404: { description: "Unknown region", content: { "application/json": { schema: errorSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { bucketSeconds, rows } = await load(id, c.req.valid("query"));
      c.header(BUCKET_HEADER, String(bucketSeconds));
      return c.json({ ...(deps.siteNotice?.demo === true && { demo: true as const }), region: id, bucketSeconds, targets: rows }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get", path: "/regions/{id}/targets.csv", summary: `Per-service evidence as CSV. Columns: ${TARGET_CSV_COLUMNS.join(", ")}`,
      request: { params: regionIdParam, query },
      responses: {
        200: { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } },
        404: { description: "Unknown region", content: { "application/json": { schema: errorSchema } } },
        ...errorResponses,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const q = c.req.valid("query");
      const { bucketSeconds, rows } = await load(id, q);
      c.header(BUCKET_HEADER, String(bucketSeconds));
      const demo = deps.siteNotice?.demo === true; // the last column: a downloaded file keeps no header
      const netName = (n: string) => deps.config.networks.find((x) => x.id === n)?.name ?? n;
      const body = [TARGET_CSV_COLUMNS.join(",") + "\r\n", ...rows.map((t) => csvLine([id, t.network, netName(t.network), t.url, t.name, t.category, t.list,
        t.total, t.ok, t.successRatio, t.mainFailure, t.down, ...LAYERS.map((l) => t.blocked[l] ?? 0), t.lastAt, bucketSeconds, demo]))].join("");
      c.header("Content-Type", "text/csv; charset=utf-8");
      c.header("Content-Disposition", `attachment; filename="keepwatch-targets-${id.replace(/[^\w.-]/g, "_")}.csv"`);
      return c.body(q.bom === "1" ? `\uFEFF${body}` : body, 200);
    },
  );
  return app;
}
