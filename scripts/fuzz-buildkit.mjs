#!/usr/bin/env node
// `npm run fuzz:buildkit [-- --seed N] [--cases N] [--jobs N]`: generated cache cases against the
// real engine (test/buildkit/generated.test.ts), with a random seed unless one is given. The seed
// is printed first, so a failing run can be replayed with --seed.
import { spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i === -1) return fallback;
  const value = args[i].includes("=") ? args[i].slice(args[i].indexOf("=") + 1) : args[i + 1];
  if (value === undefined || !/^\d+$/.test(value)) {
    console.error(`fuzz:buildkit: --${name} takes a whole number`);
    process.exit(2);
  }
  return Number(value);
};
const seed = option("seed", randomInt(1, 2 ** 31 - 1));
const cases = option("cases", 500);
const jobs = option("jobs", 3);
console.log(`fuzz:buildkit: seed ${seed}, ${cases} cases, ${jobs} at a time`);
const r = spawnSync("npx", ["vitest", "run", "--config", "vitest.buildkit.config.ts", "test/buildkit/generated.test.ts"], {
  stdio: "inherit",
  env: { ...process.env, LAYERLINT_FUZZ_SEED: String(seed), LAYERLINT_FUZZ_CASES: String(cases), LAYERLINT_FUZZ_JOBS: String(jobs) },
});
console.log(`fuzz:buildkit: seed ${seed} (replay: npm run fuzz:buildkit -- --seed ${seed} --cases ${cases})`);
process.exit(r.status ?? 1);
