// First: it starts the work counter before any of layerlint's code is compiled.
import { countWork } from "../helpers/work.js";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { decode } from "../../src/read.js";
import { damagedBytes, dockerfile, fixtureTexts, mutatedFixture } from "./generators.js";
import { ALL_RULES, checkAll, fuzzContext, loadAllFormatters, type Formatters } from "./properties.js";
import { rules } from "../../rules/index.js";
import { lintSource } from "../../src/lint.js";
import type { BuildContext } from "../../src/model/index.js";

/**
 * Property tests that run with every `npm test`: a few thousand generated
 * and mutated Dockerfiles through lint, every formatter and the fixer.
 * `npm run fuzz` runs the same properties at soak scale (test/fuzz/soak.test.ts).
 * A failure prints the shrunk input and the seed to replay it.
 */
/**
 * One seed for every property here, so that npm test gates on the same cases
 * on every machine; \`LAYERLINT_FUZZ_SEED=random\` (or a number) explores
 * others, and \`npm run fuzz\` runs the long soak.
 */
const SEED = process.env.LAYERLINT_FUZZ_SEED === "random" ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.LAYERLINT_FUZZ_SEED ?? 20261204);
if (process.env.LAYERLINT_FUZZ_SEED) process.stdout.write(`fuzz seed: ${SEED}\n`);

export const CASES = { generated: 1500, mutated: 1500, bytes: 500 } as const;

let formatters: Formatters;
let context: BuildContext;

beforeAll(async () => {
  formatters = await loadAllFormatters();
  context = fuzzContext();
});

describe("fuzz: lint, formats and fixes keep their invariants", () => {
  it(`generated Dockerfile-shaped inputs (${CASES.generated} cases)`, () => {
    let findings = 0;
    fc.assert(
      fc.property(dockerfile, fc.boolean(), fc.boolean(), (text, withContext, unsafe) => {
        findings += checkAll(text, { context: withContext ? context : null, formatters, fix: true, unsafe });
      }),
      { numRuns: CASES.generated, seed: SEED },
    );
    // The generator must reach the rules, or the fuzzing proves little.
    expect(findings).toBeGreaterThan(0);
  }, 60_000);

  const seeds = fixtureTexts();
  it(`mutations of every fixture (${seeds.length} fixtures, ${CASES.mutated} cases)`, () => {
    expect(seeds.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(mutatedFixture(seeds), fc.boolean(), ({ text }, unsafe) => {
        checkAll(text, { context, formatters, fix: true, unsafe });
      }),
      { numRuns: CASES.mutated, seed: SEED },
    );
  }, 60_000);

  it("every fixture unmutated", () => {
    for (const s of seeds) checkAll(s.text, { context, formatters, fix: true, unsafe: true });
  });

  it(`damaged bytes: invalid UTF-8, stray BOMs (${CASES.bytes} cases)`, () => {
    fc.assert(
      fc.property(damagedBytes, (bytes) => {
        const source = decode(bytes, "fuzz/Dockerfile");
        checkAll(source, { context: null, formatters, fix: true });
      }),
      { numRuns: CASES.bytes, seed: SEED },
    );
  }, 60_000);
});

describe("fuzz: linting work grows linearly with the input", () => {
  const work = (text: string): number => countWork(() => lintSource(text, { rules, config: null, cliRules: ALL_RULES, context }));

  it("four times the instructions take less than five times the work", () => {
    // Generated bodies, each repeated to about 10 KB and then to four times that.
    // Work is counted (blocks of src/ and rules/ executed), not timed: linear
    // code does at most four times the work, a quadratic pass sixteen times.
    const bodies = fc.sample(dockerfile, { numRuns: 40, seed: 42 }).filter((t) => t.length > 200).slice(0, 4);
    expect(bodies.length).toBeGreaterThan(2);
    for (const body of bodies) {
      const unit = "FROM node:20 AS s\n" + body.replace(/^\uFEFF/, "") + "\n";
      const reps = Math.ceil(10_000 / unit.length);
      const small = work(unit.repeat(reps));
      const ratio = work(unit.repeat(4 * reps)) / Math.max(small, 1);
      expect(ratio, `lint work ratio ${ratio.toFixed(2)} for 4x the input:\n${unit.slice(0, 400)}`).toBeLessThan(5);
    }
  }, 60_000);
});
