// Server-Sent Events over a real HTTP server on 127.0.0.1.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { StoreIncidentPoller } from "../../../src/api/incident-events.js";
import type { Incident } from "../../../src/incident.js";
import { createHarness, testIncident, type Harness } from "../harness.js";

/** Reads a fetch body chunk by chunk (the DOM typings lack ReadableStream's async iterator). */
async function* chunksOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}

interface SseEvent {
  event: string;
  data: string;
}

/** Reads SSE events from a fetch body. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of chunksOf(body)) {
    buf += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, end);
      buf = buf.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data !== undefined) yield { event, data };
    }
  }
}

describe("GET /api/v1/events", () => {
  let h: Harness;
  let base: string;
  beforeEach(async () => {
    h = await createHarness();
    base = await h.listen();
  });
  afterEach(async () => h.close());

  it("sends the regions state first, then incident and changed-regions events", async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${base}/api/v1/events`, { signal: ctrl.signal });
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = sseEvents(res.body!);
    const first = (await events.next()).value as SseEvent;
    expect(first.event).toBe("regions");
    const regions = JSON.parse(first.data) as { regions: { id: string; state: string }[] };
    expect(regions.regions.find((r) => r.id === "KZ-47")?.state).toBe("unknown");

    const incident = testIncident({ id: "inc-live" });
    await h.store.saveIncident(incident);
    h.hub.publish(incident);
    const second = (await events.next()).value as SseEvent;
    expect(second.event).toBe("incident");
    expect((JSON.parse(second.data) as Incident).id).toBe("inc-live");
    const third = (await events.next()).value as SseEvent;
    expect(third.event).toBe("regions");
    const after = JSON.parse(third.data) as { regions: { id: string; state: string; openIncidents: string[] }[] };
    expect(after.regions.find((r) => r.id === "KZ-47")).toMatchObject({ state: "whitelist_only", openIncidents: ["inc-live"] });
    ctrl.abort();
  });
});

describe("GET /api/v1/events from a demo server", () => {
  it("marks every event's data as demo, as GET /regions and /incidents do", async () => {
    const h = await createHarness({ siteNotice: { demo: true, text: null } });
    const ctrl = new AbortController();
    try {
      const base = await h.listen();
      const res = await fetch(`${base}/api/v1/events`, { signal: ctrl.signal });
      const events = sseEvents(res.body!);
      const first = (await events.next()).value as SseEvent;
      expect(first.event).toBe("regions");
      expect((JSON.parse(first.data) as { demo?: boolean }).demo).toBe(true);
      const incident = testIncident({ id: "inc-demo" });
      await h.store.saveIncident(incident);
      h.hub.publish(incident);
      const second = (await events.next()).value as SseEvent;
      expect(second.event).toBe("incident");
      const relayed = JSON.parse(second.data) as Incident & { demo?: boolean };
      expect(relayed).toMatchObject({ id: "inc-demo", demo: true });
      expect(relayed.summary.startsWith("DEMO (synthetic data, nothing measured): ")).toBe(true);
      const third = (await events.next()).value as SseEvent;
      expect((JSON.parse(third.data) as { demo?: boolean }).demo).toBe(true);
    } finally {
      ctrl.abort();
      await h.close();
    }
  });

  it("adds no demo field on a real server", async () => {
    const h = await createHarness();
    const ctrl = new AbortController();
    try {
      const res = await fetch(`${await h.listen()}/api/v1/events`, { signal: ctrl.signal });
      const first = (await sseEvents(res.body!).next()).value as SseEvent;
      expect(JSON.parse(first.data)).not.toHaveProperty("demo");
    } finally {
      ctrl.abort();
      await h.close();
    }
  });
});

describe("GET /api/v1/events when the server stops", () => {
  it("ends open streams once the shutdown signal fires, so the listener can close", async () => {
    const stopping = new AbortController();
    const h = await createHarness({ shutdown: stopping.signal });
    try {
      const base = await h.listen();
      const res = await fetch(`${base}/api/v1/events`);
      const events = sseEvents(res.body!);
      expect(((await events.next()).value as SseEvent).event).toBe("regions");
      stopping.abort();
      // The stream ends (done) instead of waiting for the next keep-alive forever.
      expect((await events.next()).done).toBe(true);
      // A client arriving after the signal gets the current state and an ended stream, not a hang.
      const late = await fetch(`${base}/api/v1/events`);
      expect(await late.text()).toMatch(/^retry: 5000/);
    } finally {
      await h.close();
    }
  });
});

describe("StoreIncidentPoller", () => {
  it("publishes incidents that appear or change in the store after the first poll", async () => {
    const h = await createHarness();
    try {
      await h.store.saveIncident(testIncident({ id: "existing" }));
      const poller = new StoreIncidentPoller(h.store, 60_000, () => new Date("2026-03-10T12:00:00Z"));
      const seen: string[] = [];
      const off = poller.subscribe((i) => seen.push(`${i.id}:${i.status}`));
      await poller.poll(); // learns the current state, publishes nothing
      expect(seen).toEqual([]);
      await h.store.saveIncident(testIncident({ id: "new-one", kind: "dark", network: null }));
      await poller.poll();
      expect(seen).toEqual(["new-one:open"]);
      await poller.poll();
      expect(seen).toEqual(["new-one:open"]);
      await h.store.saveIncident(testIncident({ id: "existing", status: "closed", endedAt: "2026-03-10T11:59:00.000Z" }));
      await poller.poll();
      expect(seen).toEqual(["new-one:open", "existing:closed"]);
      off();
    } finally {
      await h.close();
    }
  });
});
