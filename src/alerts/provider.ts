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
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}
