import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../../rules/index.js";
import { impact } from "../../src/impact/index.js";
import { readHistory } from "../../src/impact/history.js";
import { lintSource } from "../../src/lint.js";
import { loadContext, simulate } from "../../src/model/index.js";
import { fromString } from "../../src/read.js";
import { scriptedRepo } from "../helpers/git.js";
import { effectiveStatus, getEngine, writeContext } from "./harness.js";

/**
 * `layerlint impact` against reality: a scripted history is replayed with
 * real BuildKit builds, one per commit in order (the cache kept between
 * them, as on a CI runner), and the steps that RAN after each commit must
 * be the ones the model predicts.
 */
const DOCKERFILE = [
  "FROM alpine:3.19",
  "WORKDIR /app",
  "COPY deps.txt ./",
  "RUN cat deps.txt > /deps.out",
  "COPY . .",
  "RUN cat src/*.txt > /build.out",
  "",
].join("\n");

describe("impact replay with real builds", () => {
  it("predicts, commit by commit, exactly the steps BuildKit re-ran", async () => {
    const { dir, shas } = scriptedRepo([
      { message: "initial", write: { Dockerfile: DOCKERFILE, ".dockerignore": ".git\nREADME.md\n", "deps.txt": "left-pad 1\n", "src/a.txt": "a1\n", "README.md": "readme\n" } },
      { message: "edit a source", write: { "src/a.txt": "a2\n" } },
      { message: "bump a dependency", write: { "deps.txt": "left-pad 2\n" } },
      { message: "add a source", write: { "src/b.txt": "b1\n" } },
      { message: "edit the ignored README", write: { "README.md": "readme 2\n" } },
      { message: "make a source executable", chmod: { "src/a.txt": 0o755 } },
      { message: "edit a source again", write: { "src/a.txt": "a3\n" } },
    ]);
    const engine = getEngine();
    await engine.prune();
    const work = writeContext({});
    const checkout = (sha: string): void => {
      for (const f of readdirSync(work)) rmSync(join(work, f), { recursive: true, force: true });
      // -m: fresh modification times. git archive stamps every file with the commit time, and
      // BuildKit's context transfer skips a file whose size and mtime did not change, so
      // scripted commits made within one second would hide their edits from it.
      execFileSync("tar", ["-x", "-m", "-C", work], { input: execFileSync("git", ["archive", sha], { cwd: dir }) });
    };

    checkout(shas[0]);
    const cold = await engine.build(work);
    expect(cold.ok, cold.log).toBe(true);

    const history = readHistory({ context: dir, since: shas[0] }).reverse();
    expect(history.map((c) => c.sha)).toEqual(shas.slice(1));
    const model = lintSource(fromString(DOCKERFILE), { rules: [], filePath: join(dir, "Dockerfile"), context: loadContext(dir) }).model;

    const realRuns = new Map<number, number>();
    let compared = 0;
    for (const commit of history) {
      checkout(commit.sha);
      const built = await engine.build(work);
      expect(built.ok, built.log).toBe(true);
      const predicted = simulate(model, { changedPaths: commit.paths });
      for (const step of built.steps) {
        if (step.status === "BASE" || step.line === undefined) continue;
        const p = predicted.predictions.find((x) => x.info.instruction.range.start.line + 1 === step.line);
        const real = effectiveStatus(step) === "RAN" ? "rerun" : "cached";
        expect(`${commit.subject}: line ${step.line} ${p?.status}`).toBe(`${commit.subject}: line ${step.line} ${real}`);
        compared++;
        if (real === "rerun") realRuns.set(step.line, (realRuns.get(step.line) ?? 0) + 1);
      }
    }

    const report = impact({ dockerfilePath: join(dir, "Dockerfile"), source: fromString(DOCKERFILE), rules, since: shas[0] });
    expect(report.commits).toBe(6);
    for (const s of report.steps) expect(`line ${s.line}: ${s.reruns}`).toBe(`line ${s.line}: ${realRuns.get(s.line) ?? 0}`);
    console.log(`impact replay: ${history.length} commits, ${compared} step outcomes compared, 0 mismatches; re-runs per line: ${JSON.stringify(Object.fromEntries(realRuns))}`);
  }, 300_000);
});
