// A V8 CPU profile of part of a benchmark (the drain, not the set-up), through node:inspector in this process.
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/** Starts profiling when file is given; the returned function stops and writes it (a no-op without file). */
export async function startDrainProfile(file: string | undefined): Promise<() => Promise<void>> {
  if (!file) return async () => {};
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  return async () => {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
