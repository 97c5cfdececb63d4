// One interface for every way an alert leaves KeepWatch (Gatus style): a provider sends one event to one
// channel and throws when it was not delivered, so the queue retries it.
import type { AlertEvent } from "./event.js";

export interface AlertProvider {
  /** The channel name from the config (unique). */
  readonly name: string;
  send(event: AlertEvent): Promise<void>;
}

/** Thrown on a failed delivery. The message never contains the channel's URL or credentials. */
export class DeliveryError extends Error {
  constructor(
    message: string,
    /** HTTP status or SMTP response code when there was one. */
    readonly status: number | null = null,
    /** Retrying cannot help (the receiver refused the request itself): the queue gives up at once. */
    readonly permanent = false,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

/** HTTP 4xx other than 408 (timeout) and 429 (rate limit): a wrong URL, token or chat, not an outage. */
export function isPermanentHttpStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

/** SMTP 5yz replies are permanent refusals (RFC 5321, 4.2.1); 4yz are transient. */
export function isPermanentSmtpCode(code: number): boolean {
  return code >= 500 && code < 600;
}
