// Scenarios for classification and bounds (issue #8 items 1, 4, 5, 10, 11): what is blocked, how, and
// from when to when, at one probe per network.
import { NO_LONGER_MEASURED } from "../../../src/detect/bounds.js";
import {
  ONE_NETWORK, TWO_NETWORKS, block, controlSkips, fullShutdown, geofenced, loss, normal, nxdomain, removed, siteDown,
  slowServer, standardTargets, tcpReset, throttle, tlsReset, whitelistOnly, type Regime, type Scenario,
} from "./library.js";

const targets = standardTargets();
const url = (i: number): string => `https://site${i}.example.com/`;
const HISTORY = 36;
const until = HISTORY + 12;
const ROUNDS = until + 12;

/** A regime applied only in the given rounds (whole rounds, whatever the onset point). */
function inRounds(rounds: readonly number[], regime: Regime): Regime {
  return (m) => (rounds.includes(m.round) ? regime(m) : m.usual());
}

const threeWays = new Map([[url(5), tlsReset], [url(6), tcpReset], [url(7), nxdomain]]);

export const classifyScenarios: Scenario[] = [
  {
    name: "whitelist-only (a whitelisted site failing, two others leaking; the control cannot reach domestic sites)",
    networks: TWO_NETWORKS, targets, rounds: ROUNDS,
    phases: [
      { fromRound: 0, regime: geofenced(normal) },
      { fromRound: HISTORY, regime: geofenced(whitelistOnly({ failingWhite: ["https://gov5.example.kz/"], leaking: [url(12), url(13)] })) },
      { fromRound: until, regime: geofenced(normal) },
    ],
    expect: ["kcell-mobile", "kaztelecom"].map((network) => ({
      kind: "whitelist_only" as const, network, targets: ["list:non_whitelisted"], confidence: "confirmed" as const, phase: 1, endPhase: 2,
    })),
  },
  {
    name: "full shutdown on both networks",
    networks: TWO_NETWORKS, targets, rounds: ROUNDS,
    phases: [{ fromRound: 0, regime: normal }, { fromRound: HISTORY, regime: fullShutdown }, { fromRound: until, regime: normal }],
    expect: ["kcell-mobile", "kaztelecom"].map((network) => ({
      kind: "full_shutdown" as const, network, targets: ["list:non_whitelisted", "list:whitelisted"], confidence: "confirmed" as const,
      phase: 1, endPhase: 2,
    })),
  },
  {
    name: "service blocking of three services by three methods (TLS reset on SNI, TCP reset, NXDOMAIN)",
    networks: ONE_NETWORK, targets, rounds: ROUNDS,
    phases: [{ fromRound: 0, regime: normal }, { fromRound: HISTORY, regime: block(threeWays) }, { fromRound: until, regime: normal }],
    expect: [{ kind: "service_blocking", network: "kcell-mobile", targets: [url(5), url(6), url(7)], confidence: "suspected", phase: 1, endPhase: 2 }],
  },
  {
    name: "service blocking on two networks agreeing (confirmed)",
    networks: TWO_NETWORKS, targets, rounds: ROUNDS,
    phases: [{ fromRound: 0, regime: normal }, { fromRound: HISTORY, regime: block(threeWays) }, { fromRound: until, regime: normal }],
    expect: ["kcell-mobile", "kaztelecom"].map((network) => ({
      kind: "service_blocking" as const, network, targets: [url(5), url(6), url(7)], confidence: "confirmed" as const, phase: 1, endPhase: 2,
    })),
  },
  {
    name: "DNS interference (NXDOMAIN for three services)",
    networks: ONE_NETWORK, targets, rounds: ROUNDS,
    phases: [
      { fromRound: 0, regime: normal },
      { fromRound: HISTORY, regime: block(new Map([[url(5), nxdomain], [url(6), nxdomain], [url(7), nxdomain]])) },
      { fromRound: until, regime: normal },
    ],
    expect: [{ kind: "dns_interference", network: "kcell-mobile", targets: [url(5), url(6), url(7)], confidence: "suspected", phase: 1, endPhase: 2 }],
  },
  {
    name: "throttling of everything (slow downloads fail their site check)",
    networks: ONE_NETWORK, targets, rounds: ROUNDS,
    phases: [{ fromRound: 0, regime: normal }, { fromRound: HISTORY, regime: throttle(10) }, { fromRound: until, regime: normal }],
    expect: [{ kind: "throttling", network: "kcell-mobile", targets: targets.map((t) => t.url).sort(), confidence: "suspected", phase: 1, endPhase: 2 }],
  },
  {
    name: "throttling of two services only",
    networks: ONE_NETWORK, targets, rounds: ROUNDS,
    phases: [{ fromRound: 0, regime: normal }, { fromRound: HISTORY, regime: throttle(10, [url(0), url(1)]) }, { fromRound: until, regime: normal }],
    expect: [{ kind: "throttling", network: "kcell-mobile", targets: [url(0), url(1)], confidence: "suspected", phase: 1, endPhase: 2 }],
  },
  {
    name: "blocked target removed from the config closes as no longer measured",
    networks: ONE_NETWORK, targets, rounds: ROUNDS,
    phases: [
      { fromRound: 0, regime: normal },
      { fromRound: HISTORY, regime: block(new Map([[url(5), tlsReset]])) },
      { fromRound: until, regime: removed([url(5)], block(new Map([[url(5), tlsReset]]))) },
    ],
    expect: [{ kind: "service_blocking", network: "kcell-mobile", targets: [url(5)], confidence: "suspected", phase: 1, endPhase: 2, endReason: NO_LONGER_MEASURED }],
  },
  {
    name: "a site down everywhere without the control's view of it: blocking, but never confirmed",
    networks: TWO_NETWORKS, targets, rounds: ROUNDS,
    phases: [
      { fromRound: 0, regime: controlSkips([url(8)], normal) },
      { fromRound: HISTORY, regime: controlSkips([url(8)], siteDown(url(8))) },
      { fromRound: until, regime: controlSkips([url(8)], normal) },
    ],
    expect: ["kcell-mobile", "kaztelecom"].map((network) => ({
      kind: "service_blocking" as const, network, targets: [url(8)], confidence: "suspected" as const, phase: 1, endPhase: 2,
    })),
  },
];

/** Noise: none of these may publish anything. */
export const quietScenarios: Scenario[] = [
  {
    name: "2 % loss on both networks (timeouts read as blocking), no incident",
    networks: TWO_NETWORKS, targets, rounds: ROUNDS, seed: 11,
    phases: [{ fromRound: 0, regime: loss(0.02) }],
    expect: [],
  },
  {
    name: "a site down everywhere (the control fails it too), no incident",
    networks: TWO_NETWORKS, targets, rounds: ROUNDS,
    phases: [{ fromRound: 0, regime: normal }, { fromRound: HISTORY, regime: siteDown(url(8)) }, { fromRound: until, regime: normal }],
    expect: [],
  },
  {
    name: "a site down everywhere, the control measuring it only every other round, no incident",
    networks: TWO_NETWORKS, targets, rounds: ROUNDS,
    phases: [{ fromRound: 0, regime: normal }, { fromRound: HISTORY, regime: siteDown(url(8), 2) }, { fromRound: until, regime: normal }],
    expect: [],
  },
  {
    name: "a slow server (slow from the control too), no throttling",
    networks: ONE_NETWORK, targets, rounds: ROUNDS,
    phases: [{ fromRound: 0, regime: normal }, { fromRound: HISTORY, regime: slowServer(url(0), 10) }, { fromRound: until, regime: normal }],
    expect: [],
  },
  {
    name: "two isolated bad rounds hours apart, no incident",
    networks: ONE_NETWORK, targets, rounds: 80,
    phases: [{ fromRound: 0, regime: inRounds([HISTORY, HISTORY + 36], fullShutdown) }],
    expect: [],
  },
];
