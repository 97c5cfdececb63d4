// The agent's offline spool: measurements are appended to segment files on disk (fsync'd) before any
// upload is tried, and a segment is deleted only after the server accepted it. A shutdown is exactly
// when uploads fail and the data matters most, so nothing is ever dropped for being unsent.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync,
  writeSync } from "node:fs";
import { join } from "node:path";
import { measurementSchema, type Measurement } from "../measurement.js";

export interface SpoolSegment {
  name: string;
  measurements: Measurement[];
  /** Lines that no longer parse (e.g. a torn write at a crash); kept aside, never uploaded. */
  corrupt: number;
}

export class Spool {
  private readonly dir: string;
  private sequence = 0;

  /** `linesPerWrite` bounds the string built for one write(), not the segment: a batch is one segment. */
  constructor(dir: string, private readonly linesPerWrite = 500) {
    this.dir = dir;
    mkdirSync(join(dir, "quarantine"), { recursive: true });
  }

  /** Writes the batch durably as a new segment; returns its name. */
  append(batch: Measurement[]): string {
    if (batch.length === 0) return "";
    const name = `${Date.now().toString().padStart(15, "0")}-${process.pid}-${++this.sequence}.ndjson`;
    const tmp = join(this.dir, `.${name}.tmp`);
    const fd = openSync(tmp, "w", 0o600);
    try {
      for (let i = 0; i < batch.length; i += this.linesPerWrite) {
        writeSync(fd, batch.slice(i, i + this.linesPerWrite).map((m) => JSON.stringify(m)).join("\n") + "\n");
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    // rename is atomic: a reader sees a whole segment or none.
    renameSync(tmp, join(this.dir, name));
    return name;
  }

  /** Segment names, oldest first. */
  segments(): string[] {
    return readdirSync(this.dir).filter((f) => f.endsWith(".ndjson") && !f.startsWith(".")).sort();
  }

  read(name: string): SpoolSegment {
    const text = readFileSync(join(this.dir, name), "utf8");
    const measurements: Measurement[] = [];
    let corrupt = 0;
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      try {
        const parsed = measurementSchema.safeParse(JSON.parse(line));
        if (parsed.success) measurements.push(parsed.data);
        else corrupt++;
      } catch {
        corrupt++;
      }
    }
    return { name, measurements, corrupt };
  }

  /** Removes a segment after the server accepted it. */
  done(name: string): void {
    rmSync(join(this.dir, name), { force: true });
  }

  /** Moves a segment the server refuses for good out of the upload path, keeping it for inspection. */
  quarantine(name: string): void {
    renameSync(join(this.dir, name), join(this.dir, "quarantine", name));
  }

  pendingCount(): number {
    return this.segments().reduce((n, s) => n + this.read(s).measurements.length, 0);
  }
}
