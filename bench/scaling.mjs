// Scaling: one Dockerfile of 2.5k to 40k lines, linted with every rule,
// as a ratio to dockerfile-ast's parse of the same text. Prints the curve
// and fails when it bends upward (super-linear growth), which is how a
// quadratic pass shows itself long before a user's file is big enough to hang.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, median, ms, ratio, table } from "./lib.mjs";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname } from "node:path";
import { bigDockerfile } from "./generate.mjs";
import { SHAPES } from "./shapes.mjs";
import { allRulesOptions } from "./inprocess.mjs";

const require = createRequire(import.meta.url);
export const SIZES = [2500, 5000, 10000, 20000, 40000];
export const GOAL_VS_PARSE = 1.5;
/**
 * Linear growth quadruples the time from 10k to 40k lines; more than this
 * factor of 4 (a margin for garbage collection and noise) is a bend.
 */
export const BEND_LIMIT = 4 * 1.35;

function timeIt(fn, rounds) {
  fn();
  const s = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    s.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(s);
}

export async function scaling({ sizes = SIZES, rounds = 5 } = {}) {
  const { DockerfileParser } = require("dockerfile-ast");
  const layerlint = await import(pathToFileURL(join(ROOT, "dist/index.js")).href);
  const options = allRulesOptions(layerlint.rules);
  const points = [];
  for (const lines of sizes) {
    const text = bigDockerfile(lines);
    const parse = timeIt(() => DockerfileParser.parse(text), rounds);
    const lint = timeIt(() => layerlint.lint(text, options), rounds);
    points.push({ lines, actualLines: text.split("\n").length, parse, lint });
  }
  const rows = points.map((p, i) => [
    p.lines,
    ms(p.parse),
    ms(p.lint),
    ratio(p.lint / p.parse),
    `${((p.lint * 1000) / p.actualLines).toFixed(2)} us`,
    i === 0 ? "" : `x${(p.lint / points[i - 1].lint).toFixed(2)}`,
  ]);
  const at = (n) => points.find((p) => p.lines === n);
  const last = points[points.length - 1];
  const vsParse = last.lint / last.parse;
  const from = at(10000) ?? points[0];
  const growth = last.lint / from.lint;
  const linear = last.lines / from.lines;
  const bendLimit = (BEND_LIMIT / 4) * linear;
  const bends = growth > bendLimit;
  return {
    text:
      `Scaling, one Dockerfile, every rule (${rounds} rounds per size, medians)\n` +
      table([["lines", "parse", "lint", "lint/parse", "lint per line", "vs previous size"], ...rows]) +
      `\n${from.lines} -> ${last.lines} lines: lint time x${growth.toFixed(2)} (linear: x${linear}; a bend above x${bendLimit.toFixed(2)})${bends ? "  BENDS UPWARD" : ""}`,
    figures: { vsParse, growth, points },
    goals: [
      { name: `lint vs parse at ${last.lines} lines`, value: vsParse, goal: `<= ${GOAL_VS_PARSE}x dockerfile-ast parse`, met: vsParse <= GOAL_VS_PARSE },
      { name: "scaling curve", value: growth, goal: `linear (x${linear}, at most x${bendLimit.toFixed(2)})`, met: !bends, fatal: true },
    ],
  };
}

/** Sizes of the per-state shapes: each step is four times the last, so linear time quadruples. */
export const SHAPE_SIZES = [2500, 10000, 40000];

/**
 * One curve per piece of per-step state (bench/shapes.mjs: an ENV chain,
 * ARG scopes, mounts, WORKDIR chains, thousands of stages, a long
 * .dockerignore), every rule on. A step of the curve bends when the time
 * grows more than BEND_LIMIT for four times the input.
 */
export async function shapeScaling({ sizes = SHAPE_SIZES, rounds = 3 } = {}) {
  const layerlint = await import(pathToFileURL(join(ROOT, "dist/index.js")).href);
  const options = allRulesOptions(layerlint.rules);
  const rows = [];
  const goals = [];
  const dirs = [];
  try {
    for (const [name, make] of Object.entries(SHAPES)) {
      const times = [];
      for (const n of sizes) {
        const { text, context } = make(n);
        let at = null;
        if (context) {
          at = mkdtempSync(join(tmpdir(), "layerlint-shape-"));
          dirs.push(at);
          for (const [file, content] of Object.entries(context)) {
            mkdirSync(dirname(join(at, file)), { recursive: true });
            writeFileSync(join(at, file), content);
          }
        }
        const opts = { ...options, context: at, filePath: at ? join(at, "Dockerfile") : "Dockerfile" };
        times.push(timeIt(() => layerlint.lint(text, opts), rounds));
      }
      const steps = times.slice(1).map((t, i) => t / times[i]);
      const worst = Math.max(...steps);
      rows.push([name, ...times.map(ms), ...steps.map((x) => `x${x.toFixed(2)}`)]);
      goals.push({ name: `scaling: ${name}`, value: worst, goal: `linear (x4 per step, at most x${BEND_LIMIT.toFixed(2)})`, met: worst <= BEND_LIMIT, fatal: true });
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  const header = ["shape", ...sizes.map((n) => `${n} lines`), ...sizes.slice(1).map((n, i) => `${sizes[i]} -> ${n}`)];
  return {
    text: `Scaling of per-step state, every rule (${rounds} rounds per size, medians)\n` + table([header, ...rows]),
    figures: { rows },
    goals,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const shapes = await shapeScaling();
  console.log(shapes.text + "\n");
  if (shapes.goals.some((g) => g.fatal && !g.met)) process.exitCode = 1;
  const r = await scaling();
  console.log(r.text);
  if (r.goals.some((g) => g.fatal && !g.met)) process.exitCode = 1;
}
