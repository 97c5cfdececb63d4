// Checks of option values made while the command line is parsed, so a bad value is a usage error (exit 2,
// commander's message naming the option) before anything starts. Each returns the text unchanged: the
// commands convert it as before.
import { InvalidArgumentError } from "commander";

/** A TCP port, 0 (any free port) to 65535. */
export function portValue(text: string): string {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535) throw new InvalidArgumentError("--port must be a port number, 0 to 65535.");
  return text;
}

/** Seconds, a positive number (fractions allowed). */
export function secondsValue(text: string): string {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("--timeout must be a positive number of seconds.");
  return text;
}

/** An autonomous system number: 1 to 4294967295, digits only (no "AS" prefix). */
export function asnValue(text: string): string {
  if (!/^[1-9]\d{0,9}$/.test(text) || Number(text) > 4_294_967_295) throw new InvalidArgumentError("--asn must be a whole number from 1 to 4294967295, without \"AS\".");
  return text;
}
