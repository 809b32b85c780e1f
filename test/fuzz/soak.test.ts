import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { BuildContext } from "../../src/model/index.js";
import { decode } from "../../src/read.js";
import { damagedBytes, dockerfile, fixtureTexts, mutatedFixture } from "./generators.js";
import { checkAll, fuzzContext, loadAllFormatters, type Formatters } from "./properties.js";

/**
 * The soak (`npm run fuzz`): the properties of properties.test.ts over at
 * least 100,000 inputs. FUZZ_RUNS=<n> sets the total; FUZZ_SEED=<n>
 * replays a failing run (the failure prints its seed and path).
 */
const TOTAL = Number(process.env.FUZZ_RUNS ?? 100_000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const share = { generated: 0.45, mutated: 0.45, bytes: 0.1 };
const runs = (part: number): number => Math.ceil(TOTAL * part);
const settings = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(SEED !== undefined ? { seed: SEED } : {}) });

let formatters: Formatters;
let context: BuildContext;
let cases = 0;

beforeAll(async () => {
  formatters = await loadAllFormatters();
  context = fuzzContext();
});

describe(`soak: ${TOTAL} cases`, () => {
  it("generated Dockerfile-shaped inputs", () => {
    fc.assert(
      fc.property(dockerfile, fc.boolean(), fc.boolean(), (text, withContext, unsafe) => {
        cases++;
        checkAll(text, { context: withContext ? context : null, formatters, fix: true, unsafe });
      }),
      settings(runs(share.generated)),
    );
  });

  it("mutations of every fixture", () => {
    const seeds = fixtureTexts();
    fc.assert(
      fc.property(mutatedFixture(seeds), fc.boolean(), ({ text }, unsafe) => {
        cases++;
        checkAll(text, { context, formatters, fix: true, unsafe });
      }),
      settings(runs(share.mutated)),
    );
  });

  it("damaged bytes", () => {
    fc.assert(
      fc.property(damagedBytes, (bytes) => {
        cases++;
        checkAll(decode(bytes, "fuzz/Dockerfile"), { context: null, formatters, fix: true });
      }),
      settings(runs(share.bytes)),
    );
  });

  it("ran every case", () => {
    expect(cases).toBeGreaterThanOrEqual(TOTAL);
    process.stdout.write(`soak: ${cases} cases\n`);
  });
});
