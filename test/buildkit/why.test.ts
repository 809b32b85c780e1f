import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../../rules/index.js";
import { impact } from "../../src/impact/index.js";
import { fromString } from "../../src/read.js";
import { readBuildLog, why, type WhyReport } from "../../src/why/index.js";
import { ROOT } from "../helpers/fixtures.js";
import { getEngine, writeContext } from "./harness.js";

/**
 * `layerlint why` on logs of real builds: a scripted history (a full build,
 * a source edit, a manifest edit, a build-argument change, a base image
 * re-tag, a build after `docker builder prune`) is built twice, once with
 * `--progress=plain` and once with `--progress=rawjson`, and for every step
 * that ran, `why` must name the cause the script made.
 *
 * The RUN steps sleep, so their durations in the logs are real and known
 * from below. LAYERLINT_WHY_LOGS=<dir> keeps the logs (the unit tests'
 * fixtures under test/why-logs/ were made this way).
 */
const DOCKERFILE = [
  "FROM node:20",
  "ARG VERSION=1",
  "WORKDIR /app",
  "COPY package.json ./",
  "RUN sleep 1 && cat package.json > /deps.out",
  "COPY . .",
  "RUN sleep 0.5 && cat src/*.js > /build.out",
  'RUN echo "$VERSION" > /version',
  "",
].join("\n");

type Form = "plain" | "rawjson";

interface Built {
  name: string;
  log: string;
}

describe("why on real BuildKit logs", () => {
  it("names the cause of every step that ran, in plain and rawjson logs", async () => {
    const engine = getEngine();
    const keep = process.env.LAYERLINT_WHY_LOGS;
    const originalBase = (await engine.docker(["image", "inspect", "-f", "{{.Id}}", "localbase:latest"])).stdout.toString().trim();
    expect(originalBase).toMatch(/^sha256:/);
    // a tag keeps the original base from being pruned as dangling once localbase moves
    await engine.docker(["tag", originalBase, "layerlint-why-base:keep"]);
    let builds = 0;
    let checked = 0;
    try {
      for (const form of ["plain", "rawjson"] as Form[]) {
        await engine.prune();
        await engine.docker(["tag", originalBase, "localbase:latest"]);
        const ctx = writeContext({ Dockerfile: DOCKERFILE, ".dockerignore": "Dockerfile\n.dockerignore\n", "package.json": '{"name":"a"}\n', "src/index.js": "console.log(1)\n" });
        const build = async (name: string, buildArgs?: Record<string, string>): Promise<Built> => {
          const r = await engine.build(ctx, { buildArgs, extraArgs: [`--progress=${form}`] });
          expect(r.ok, r.log).toBe(true);
          builds++;
          if (keep) {
            mkdirSync(keep, { recursive: true });
            writeFileSync(join(keep, `${name}.${form}`), r.log);
          }
          return { name, log: r.log };
        };
        const explainLog = (b: Built, change: { changedPaths?: string[]; changedBuildArgs?: string[]; baseChanged?: boolean; buildArgValues?: Record<string, string> }): WhyReport => {
          const log = readBuildLog(b.log, b.name);
          expect(log.format, b.name).toBe(form);
          return why({ dockerfilePath: join(ctx, "Dockerfile"), source: fromString(DOCKERFILE), logName: b.name, log, rules, context: ctx, ...change });
        };
        const ran = (r: WhyReport): string[] => r.steps.filter((s) => s.engine === "ran" && !s.instruction.startsWith("FROM")).map((s) => `${s.step} ${s.cause}`);

        const full = await build("01-full");
        const first = explainLog(full, {});
        expect(first.steps.filter((s) => s.engine === "ran").length, `${form} full`).toBe(7);
        const install = first.steps.find((s) => s.instruction.startsWith("RUN sleep 1"));
        expect(install?.seconds ?? 0, `${form}: the install sleeps 1 s`).toBeGreaterThanOrEqual(1);

        writeFileSync(join(ctx, "src/index.js"), "console.log(2)\n");
        const src = explainLog(await build("02-source-edit"), { changedPaths: ["src/index.js"] });
        expect(ran(src), form).toEqual(["[5/7] COPY . . brings in changed src/index.js", "[6/7] its parent step ran", "[7/7] its parent step ran"]);
        expect(src.unexplained).toBe(0);

        writeFileSync(join(ctx, "package.json"), '{"name":"a","version":"2"}\n');
        const manifest = explainLog(await build("03-manifest-edit"), { changedPaths: ["package.json"] });
        expect(ran(manifest)[0], form).toBe("[3/7] COPY package.json ./ brings in changed package.json");
        expect(ran(manifest).slice(1).every((l) => l.endsWith("its parent step ran")), ran(manifest).join("\n")).toBe(true);
        expect(ran(manifest)).toHaveLength(5);
        expect(manifest.unexplained).toBe(0);

        const arg = explainLog(await build("04-build-arg", { VERSION: "2" }), { changedBuildArgs: ["VERSION"], buildArgValues: { VERSION: "2" } });
        expect(ran(arg), form).toEqual(["[4/7] build-arg VERSION declared at line 2 changed", "[5/7] its parent step ran", "[6/7] its parent step ran", "[7/7] its parent step ran"]);
        expect(arg.seconds.avoidable, "the ARG moved down by the fix keeps the install cached").toBeGreaterThanOrEqual(1);

        // a new image under the same tag: harness builds tag localbase as node:20, so localbase moves
        const retag = writeContext({ Dockerfile: "FROM localbase\nRUN echo v2 > /base-version\n" });
        const moved = await engine.docker(["build", "-q", "--network=none", "-t", "localbase:latest", retag]);
        expect(moved.code, moved.stderr).toBe(0);
        const baseBuild = await build("05-base-retag", { VERSION: "2" });
        const base = explainLog(baseBuild, { baseChanged: true, buildArgValues: { VERSION: "2" } });
        expect(ran(base)[0], form).toBe("[2/7] base image node:20 changed");
        expect(ran(base)).toHaveLength(6);
        expect(base.unexplained).toBe(0);
        const baseUntold = explainLog(baseBuild, { changedPaths: [], buildArgValues: { VERSION: "2" } });
        expect(baseUntold.unexplained).toBe(6);
        expect(baseUntold.steps[1].cause).toContain("(2) the base image resolved to a new digest");

        await engine.docker(["builder", "prune", "-af"]);
        const pruned = explainLog(await build("06-after-prune", { VERSION: "2" }), { changedPaths: [], buildArgValues: { VERSION: "2" } });
        expect(pruned.unexplained, form).toBe(6);
        for (const s of pruned.steps.slice(1)) {
          expect(s.engine).toBe("ran");
          expect(s.predicted).toBe("cached");
          expect(s.cause).toMatch(/^unexplained: .*\(1\) the builder had no cache for the step: nothing in this log was cached, as on a new or pruned builder/);
        }
        checked += [src, manifest, arg, base, baseUntold, pruned].reduce((n, r) => n + ran(r).length, 0);

        // impact --timings reads the first log's durations
        const timed = impact({
          dockerfilePath: join(ctx, "Dockerfile"),
          source: fromString(DOCKERFILE),
          rules,
          context: ctx,
          history: [{ sha: "0", subject: "edit", paths: ["src/index.js"] }],
          timings: { log: readBuildLog(full.log, full.name), name: full.name },
        });
        const timedInstall = timed.steps.find((s) => s.instruction.startsWith("RUN sleep 1"));
        expect(timedInstall?.seconds).toBe(install?.seconds);
        const build6 = timed.steps.find((s) => s.instruction.startsWith("RUN sleep 0.5"));
        expect(build6?.seconds ?? 0).toBeGreaterThanOrEqual(0.5);
        expect(timed.secondsRerun).toBeGreaterThanOrEqual(0.5);

        // the CLI reads the same log on standard input
        if (form === "plain") {
          const out = execFileSync(process.execPath, [join(ROOT, "bin/layerlint.cjs"), "why", join(ctx, "Dockerfile"), "--log", "-", "--changed", "src/index.js", "--format", "json"], {
            input: full.log,
            encoding: "utf8",
          });
          const report = JSON.parse(out) as WhyReport;
          expect(report.log).toBe("-");
          expect(report.steps).toHaveLength(7);
        }
      }
    } finally {
      await engine.docker(["tag", originalBase, "localbase:latest"]);
      await engine.docker(["rmi", "layerlint-why-base:keep"]);
    }
    console.log(`why on real logs: ${builds} builds (plain and rawjson), ${checked} step causes checked`);
  }, 300_000);
});
