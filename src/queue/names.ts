// Queue names shared by every stage. Measure work is split per region and probe so a worker only ever
// takes its own probe's jobs; results and alerts are single queues.
export const QUEUES = {
  measure: "measure",
  results: "results",
  alerts: "alerts",
} as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

/** The measure queue one probe's worker consumes ("measure-KZ-75-probe-1"). */
export function measureQueueName(region: string, probeId: string): string {
  return `${QUEUES.measure}-${region}-${probeId}`;
}
