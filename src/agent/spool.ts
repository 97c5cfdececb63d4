// The agent's offline spool: measurements are appended to segment files on disk (fsync'd, renamed into place,
// directory fsync'd) before any upload is tried. A segment leaves the spool only when the server took it; an
// item the server judged invalid moves, on its own and with the server's reason, to quarantine/, from where
// `keepwatch agent requeue` puts it back. A shutdown is exactly when uploads fail and the data matters most,
// so nothing is ever deleted unsent.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync,
  writeSync } from "node:fs";
import { join } from "node:path";
import { measurementSchema, type Measurement } from "../measurement.js";

export interface SpoolSegment {
  name: string;
  measurements: Measurement[];
  /** Lines that no longer parse (e.g. a torn write at a crash): quarantined, never uploaded or dropped. */
  unreadable: string[];
}

/** One quarantined item: what the server (or the spool) said, and the item as it was spooled. */
export interface QuarantinedItem {
  reason: string;
  quarantinedAt: string;
  /** The measurement, or the raw line when it could not be read back. */
  item: unknown;
}

/** Last upload outcome, kept on disk so `keepwatch agent spool` can show it from another process. */
export interface SpoolStatus {
  lastAttemptAt: string | null;
  lastDeliveryAt: string | null;
  lastError: string | null;
}

const SEGMENT = /^[^.].*\.ndjson$/;

/** Renames a file and makes the rename itself durable (the directory entry reaches the disk too). */
function durableRename(from: string, to: string, dirs: string[]): void {
  renameSync(from, to);
  for (const dir of new Set(dirs)) {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

export class Spool {
  readonly dir: string;
  readonly quarantineDir: string;
  private sequence = 0;

  /** `linesPerWrite` bounds the string built for one write(), not the segment: a batch is one segment. */
  constructor(dir: string, private readonly linesPerWrite = 500) {
    this.dir = dir;
    this.quarantineDir = join(dir, "quarantine");
    mkdirSync(this.quarantineDir, { recursive: true, mode: 0o700 });
  }

  private newName(): string {
    return `${Date.now().toString().padStart(15, "0")}-${process.pid}-${++this.sequence}.ndjson`;
  }

  /** Writes lines durably as a new file in `dir`; returns its name. */
  private writeFile(dir: string, lines: string[]): string {
    const name = this.newName();
    const tmp = join(dir, `.${name}.tmp`);
    const fd = openSync(tmp, "w", 0o600);
    try {
      for (let i = 0; i < lines.length; i += this.linesPerWrite) {
        writeSync(fd, lines.slice(i, i + this.linesPerWrite).join("\n") + "\n");
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // rename is atomic: a reader sees a whole segment or none.
    durableRename(tmp, join(dir, name), [dir]);
    return name;
  }

  /** Writes the batch durably as a new segment; returns its name ("" for an empty batch). */
  append(batch: Measurement[]): string {
    if (batch.length === 0) return "";
    return this.writeFile(this.dir, batch.map((m) => JSON.stringify(m)));
  }

  /** Segment names, oldest first. */
  segments(): string[] {
    return readdirSync(this.dir).filter((f) => SEGMENT.test(f)).sort();
  }

  read(name: string): SpoolSegment {
    const text = readFileSync(join(this.dir, name), "utf8");
    const measurements: Measurement[] = [];
    const unreadable: string[] = [];
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      let parsed: ReturnType<typeof measurementSchema.safeParse> | null = null;
      try {
        parsed = measurementSchema.safeParse(JSON.parse(line));
      } catch {
        parsed = null;
      }
      if (parsed?.success) measurements.push(parsed.data);
      else unreadable.push(line);
    }
    return { name, measurements, unreadable };
  }

  /**
   * Replaces a segment by what is still to send: `keep` stays pending (in a new segment written before the old
   * one is removed, so a crash in between duplicates at worst — ids make re-uploads harmless), `quarantine`
   * moves out with its reasons. Either may be empty.
   */
  settle(name: string, keep: Measurement[], quarantine: { reason: string; item: unknown }[]): void {
    if (quarantine.length > 0) {
      const at = new Date().toISOString();
      this.writeFile(this.quarantineDir, quarantine.map((q) => JSON.stringify({ reason: q.reason, quarantinedAt: at, item: q.item })));
    }
    if (keep.length > 0) this.append(keep);
    rmSync(join(this.dir, name), { force: true });
  }

  /** Removes a segment the server took whole. */
  done(name: string): void {
    this.settle(name, [], []);
  }

  /** Every quarantined item, oldest file first. */
  quarantined(): QuarantinedItem[] {
    const out: QuarantinedItem[] = [];
    for (const file of readdirSync(this.quarantineDir).filter((f) => SEGMENT.test(f)).sort()) {
      for (const line of readFileSync(join(this.quarantineDir, file), "utf8").split("\n")) {
        if (!line.trim()) continue;
        try {
          out.push(JSON.parse(line) as QuarantinedItem);
        } catch {
          out.push({ reason: "unreadable quarantine line", quarantinedAt: "", item: line });
        }
      }
    }
    return out;
  }

  /**
   * Puts quarantined measurements back in the upload path (e.g. after the operator fixed a token or the
   * server's configuration). Items that are not measurements stay in quarantine. Returns how many moved.
   */
  requeue(): number {
    let moved = 0;
    for (const file of readdirSync(this.quarantineDir).filter((f) => SEGMENT.test(f)).sort()) {
      const path = join(this.quarantineDir, file);
      const back: Measurement[] = [];
      const stay: string[] = [];
      for (const line of readFileSync(path, "utf8").split("\n")) {
        if (!line.trim()) continue;
        let parsed: ReturnType<typeof measurementSchema.safeParse> | null = null;
        try {
          parsed = measurementSchema.safeParse((JSON.parse(line) as QuarantinedItem).item);
        } catch {
          parsed = null;
        }
        if (parsed?.success) back.push(parsed.data);
        else stay.push(line);
      }
      if (back.length > 0) this.append(back);
      if (stay.length > 0) this.writeFile(this.quarantineDir, stay);
      rmSync(path, { force: true });
      moved += back.length;
    }
    return moved;
  }

  pendingCount(): number {
    return this.segments().reduce((n, s) => n + this.read(s).measurements.length, 0);
  }

  status(): SpoolStatus {
    const path = join(this.dir, "status.json");
    if (!existsSync(path)) return { lastAttemptAt: null, lastDeliveryAt: null, lastError: null };
    try {
      return JSON.parse(readFileSync(path, "utf8")) as SpoolStatus;
    } catch {
      return { lastAttemptAt: null, lastDeliveryAt: null, lastError: "status file unreadable" };
    }
  }

  /** Records an upload attempt: `error` null means everything pending was delivered. */
  recordAttempt(error: string | null, delivered: boolean): void {
    const now = new Date().toISOString();
    const prev = this.status();
    const next: SpoolStatus = { lastAttemptAt: now, lastDeliveryAt: delivered ? now : prev.lastDeliveryAt, lastError: error };
    const tmp = join(this.dir, ".status.json.tmp");
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify(next) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    durableRename(tmp, join(this.dir, "status.json"), [this.dir]);
  }
}
