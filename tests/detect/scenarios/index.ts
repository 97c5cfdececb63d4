// Every scenario of the library. Another set (darkness, late data, clocks, …) goes in a file of its own
// beside classify.ts and is added here.
import type { Scenario } from "./library.js";
import { classifyScenarios, quietScenarios } from "./classify.js";

export const scenarios: Scenario[] = [...classifyScenarios, ...quietScenarios];
