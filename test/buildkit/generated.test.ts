/**
 * Generated cases against the real engine (differential.ts): a fixed seed in
 * `npm run test:buildkit`; `npm run fuzz:buildkit` runs more with another
 * seed (LAYERLINT_FUZZ_SEED, LAYERLINT_FUZZ_CASES, LAYERLINT_FUZZ_JOBS).
 * A disagreement is shrunk to a smaller case, which is printed to become a
 * named scenario in scenarios.ts once the model is fixed.
 */
import { appendFileSync } from "node:fs";
import { expect, it } from "vitest";
import { count, describeCase, formatTally, newTally, runAll, shrink, type CaseOutcome } from "./differential.js";
import { generateCases } from "./generator.js";
import { getEngine } from "./harness.js";

const SEED = Number(process.env.LAYERLINT_FUZZ_SEED ?? 17);
const CASES = Number(process.env.LAYERLINT_FUZZ_CASES ?? 100);
const JOBS = Number(process.env.LAYERLINT_FUZZ_JOBS ?? 3);
/** Optional: a file that gets one JSON line per disagreeing case, for long runs. */
const LOG = process.env.LAYERLINT_FUZZ_LOG;

it(`${CASES} generated cases (seed ${SEED}) agree with real builds on every predicted step`, { timeout: 24 * 3600 * 1000 }, async () => {
  const engine = getEngine();
  // LAYERLINT_FUZZ_ONLY=3,8 replays those cases of the seed.
  const only = process.env.LAYERLINT_FUZZ_ONLY?.split(",").map(Number);
  const all = generateCases(SEED, only ? Math.max(...only) + 1 : CASES);
  const cases = only ? all.filter((_, i) => only.includes(i)) : all;
  const tally = newTally();
  const failing: number[] = [];
  const outcomes = new Map<number, CaseOutcome>();
  await runAll(engine, cases, JOBS, (i, outcome) => {
    count(tally, outcome);
    if (outcome.status !== "compared" && process.env.LAYERLINT_FUZZ_VERBOSE) {
      console.log(`case ${i}: ${outcome.status}: ${outcome.log.split("\n").filter((l) => /ERROR|error:/.test(l)).slice(-1).join("")}\n${describeCase(cases[i])}`);
    }
    if (outcome.disagreements.length > 0) {
      failing.push(i);
      outcomes.set(i, outcome);
      if (LOG) appendFileSync(LOG, JSON.stringify({ seed: SEED, index: i, case: cases[i], disagreements: outcome.disagreements }) + "\n");
    }
  });
  const reports: string[] = [];
  // Shrinking builds many times: the first few disagreements are enough to work on.
  for (const i of failing.slice(0, Number(process.env.LAYERLINT_FUZZ_SHRINK ?? 3))) {
    const small = await shrink(engine, cases[i]);
    reports.push(`case ${i} of seed ${SEED}, shrunk:\n${describeCase(small.case, small.outcome)}`);
  }
  console.log([formatTally(tally, SEED), ...reports].join("\n\n"));
  // Most cases must build: a generator whose cases the engine refuses tests nothing.
  expect(tally.compared).toBeGreaterThanOrEqual(Math.ceil(cases.length * 0.75));
  expect(failing.map((i) => `case ${i}: ${describeCase(cases[i], outcomes.get(i))}`)).toEqual([]);
});
