// In process: linting 1,000 typical Dockerfiles with every rule on, as a
// ratio to dockerfile-ast's parse of the same files (the floor: layerlint
// parses with it) and to dockerfile-utils' validate. Rounds of each are
// interleaved; medians are compared.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, median, ms, ratio, table } from "./lib.mjs";
import { corpus } from "./generate.mjs";

const require = createRequire(import.meta.url);
export const GOAL_VS_PARSE = 1.2;
export const GOAL_VS_UTILS = 2;

/** Options that lint text alone (no disk) with every rule on at its default severity. */
export function allRulesOptions(rules) {
  const cliRules = Object.fromEntries(rules.map((r) => [r.id, r.meta.severity]));
  return { config: null, context: null, cliRules };
}

export async function inProcess({ files = 1000, rounds = 9 } = {}) {
  const texts = corpus(files);
  const { DockerfileParser } = require("dockerfile-ast");
  const { validate } = require("dockerfile-utils");
  const dockerfilelint = require("dockerfilelint");
  const layerlint = await import(pathToFileURL(join(ROOT, "dist/index.js")).href);
  const options = allRulesOptions(layerlint.rules);
  let findings = 0;
  const subjects = {
    "dockerfile-ast parse": () => texts.forEach((t) => DockerfileParser.parse(t)),
    "layerlint, every rule": () => {
      findings = 0;
      for (const t of texts) findings += layerlint.lint(t, options).findings.length;
    },
    "dockerfile-utils validate": () => texts.forEach((t) => validate(t)),
    "dockerfilelint (regex)": () => texts.forEach((t) => dockerfilelint.run(ROOT, t)),
  };
  const samples = Object.fromEntries(Object.keys(subjects).map((k) => [k, []]));
  for (let round = -2; round < rounds; round++) {
    for (const [label, fn] of Object.entries(subjects)) {
      const t0 = process.hrtime.bigint();
      fn();
      const t = Number(process.hrtime.bigint() - t0) / 1e6;
      if (round >= 0) samples[label].push(t);
    }
  }
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  const base = m["dockerfile-ast parse"];
  const vsParse = m["layerlint, every rule"] / base;
  const utilsSpeedup = m["dockerfile-utils validate"] / m["layerlint, every rule"];
  const rows = Object.entries(m).map(([k, v]) => [k, ms(v), ratio(v / base)]);
  return {
    text:
      `In process, ${files} typical Dockerfiles, ${layerlint.rules.length} rules on, ${findings} findings (${rounds} interleaved rounds, medians)\n` +
      table([["subject", "median", "vs parse"], ...rows]) +
      `\nlayerlint is ${utilsSpeedup.toFixed(2)}x faster than dockerfile-utils validate`,
    figures: { vsParse, utilsSpeedup, parseMs: base, lintMs: m["layerlint, every rule"], rules: layerlint.rules.length, all: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / base])) },
    goals: [
      { name: "in process vs parse", value: vsParse, goal: `<= ${GOAL_VS_PARSE}x dockerfile-ast parse`, met: vsParse <= GOAL_VS_PARSE },
      { name: "in process vs dockerfile-utils", value: utilsSpeedup, goal: `>= ${GOAL_VS_UTILS}x faster than validate`, met: utilsSpeedup >= GOAL_VS_UTILS },
    ],
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await inProcess();
  console.log(r.text);
}
