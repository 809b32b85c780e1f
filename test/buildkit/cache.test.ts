/**
 * The cache model against a real BuildKit: for every scenario of
 * scenarios.ts, build cold, apply the change, build again, and compare each
 * step's real status with the status layerlint predicts. `uncertain` matches
 * either outcome and is counted; a step of a stage the target does not need
 * must not be built at all.
 */
import { chmodSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel } from "../../src/model/index.js";
import { simulate, type StepStatus } from "../../src/model/simulate.js";
import { parse } from "../../src/parse/index.js";
import { fromString } from "../../src/read.js";
import { changedPaths, isReadable, printedSteps, realStatus, snapshot } from "./compare.js";
import { getEngine, writeContext } from "./harness.js";
import { SCENARIOS, type Scenario } from "./scenarios.js";

interface Tally {
  scenarios: number;
  steps: number;
  mismatches: number;
  uncertain: number;
  notes: string[];
}
const tally: Tally = { scenarios: 0, steps: 0, mismatches: 0, uncertain: 0, notes: [] };

afterAll(() => {
  const line = `buildkit cache scenarios: ${tally.scenarios}, steps compared: ${tally.steps}, mismatches: ${tally.mismatches}, uncertain: ${tally.uncertain}`;
  console.log([line, ...tally.notes].join("\n"));
});

function applyChange(dir: string, s: Scenario): void {
  const c = s.change;
  for (const [p, content] of Object.entries(c.write ?? {})) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), content);
  }
  for (const [p, mode] of Object.entries(c.chmod ?? {})) chmodSync(join(dir, p), mode);
  const later = new Date(Date.now() + 3_600_000);
  for (const p of c.touch ?? []) utimesSync(join(dir, p), later, later);
  for (const p of c.remove ?? []) rmSync(join(dir, p));
}

describe("cache model vs real BuildKit", () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const engine = getEngine();
      const dir = writeContext(scenario.files);
      await engine.prune();
      const argsBefore = scenario.buildArgs ?? {};
      const argsAfter = { ...argsBefore, ...(scenario.change.buildArgs ?? {}) };
      const first = await engine.build(dir, { buildArgs: argsBefore, target: scenario.target });
      expect(first.ok, first.log).toBe(true);
      const textBefore = readFileSync(join(dir, "Dockerfile"), "utf8");
      const before = snapshot(dir);
      applyChange(dir, scenario);
      const changed = changedPaths(before, snapshot(dir));
      const second = await engine.build(dir, { buildArgs: argsAfter, target: scenario.target });
      expect(second.ok, second.log).toBe(true);
      const textAfter = readFileSync(join(dir, "Dockerfile"), "utf8");

      const model = buildModel(parse(fromString(textAfter), "Dockerfile"), { context: dir, target: scenario.target, buildArgs: argsAfter });
      const previous =
        textBefore === textAfter ? undefined : buildModel(parse(fromString(textBefore), "Dockerfile"), { context: dir, target: scenario.target, buildArgs: argsBefore });
      // The model compares the values itself: passing a build-arg its default changes nothing.
      const sim = simulate(model, { changedPaths: changed, previousBuildArgs: argsBefore, previous });

      const printed = printedSteps(second.log);
      const rows: string[] = [];
      let mismatches = 0;
      for (const p of sim.predictions) {
        // FROM is resolved on every build and prints DONE or CACHED at random: not a cache decision.
        if (!p.info.label || !p.status || p.info.kind === "base") continue;
        const predicted: StepStatus = p.status;
        let real: string;
        let ok: boolean;
        if (predicted === "skipped") {
          const prefix = `[${p.info.stage.name ?? `stage-${p.info.stage.index}`} `;
          // A FROM vertex is shared by every stage on the same image and printed under any of their labels.
          const built = [...printed].some(([l, q]) => l.startsWith(prefix) && !q.instruction.startsWith("FROM "));
          real = built ? "built" : "not built";
          ok = !built;
        } else {
          const r = realStatus(p.info.label, printed, second);
          real = r ?? "not in the log";
          ok = r !== null && (predicted === "uncertain" || predicted === r);
          if (predicted === "uncertain") {
            tally.uncertain++;
            tally.notes.push(`  uncertain: ${scenario.name}: ${p.info.label} ${p.info.instruction.keyword} was ${real}`);
          }
        }
        tally.steps++;
        // A reason is a sentence: no control character, no placeholder of the model's.
        if (p.reason !== null && !isReadable(p.reason)) ok = false;
        if (!ok) mismatches++;
        rows.push(`${ok ? "  " : "✗ "}${p.info.label.padEnd(16)} ${p.info.instruction.source.split("\n")[0].slice(0, 50).padEnd(50)} model=${predicted} real=${real}  (${p.reason})`);
      }
      tally.scenarios++;
      tally.mismatches += mismatches;
      if (mismatches > 0) tally.notes.push(`✗ ${scenario.name}\n${rows.join("\n")}`);
      expect(mismatches, `${scenario.name} (changed: ${changed.join(", ") || "none"})\n${rows.join("\n")}\n--- log ---\n${second.log}`).toBe(0);
    });
  }
});
