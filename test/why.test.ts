import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { impact } from "../src/impact/index.js";
import { toHtml, toJson, toMarkdown, toTable } from "../src/impact/render.js";
import { fromString } from "../src/read.js";
import { readBuildLog, why, type BuildLog, type WhyOptions, type WhyReport } from "../src/why/index.js";
import { cli } from "./helpers/cli.js";
import { ROOT } from "./helpers/fixtures.js";
import { scriptedRepo } from "./helpers/git.js";

/**
 * Logs under test/why-logs/ come from real builds of test/why-logs/app
 * (Docker 26.1, buildx 0.13, made by test/buildkit/why.test.ts) and of
 * test/why-logs/padded; `.history`, `.github` and `.multiplatform` are the
 * same plain log as `docker buildx history logs`, GitHub Actions' raw log
 * (timestamped lines) and a multi-platform build print it.
 */
const LOGS = join(ROOT, "test", "why-logs");
const APP = join(LOGS, "app");
const APP_DOCKERFILE = join(APP, "Dockerfile");

function log(name: string): BuildLog {
  return readBuildLog(readFileSync(join(LOGS, name)), name);
}

function explainApp(name: string, change: Partial<WhyOptions> = {}): WhyReport {
  return why({ dockerfilePath: APP_DOCKERFILE, source: fromString(readFileSync(APP_DOCKERFILE, "utf8")), logName: name, log: log(name), rules, context: APP, ...change });
}

const ran = (r: WhyReport): string[] => r.steps.filter((s) => s.engine === "ran" && !s.instruction.startsWith("FROM")).map((s) => `${s.step} ${s.cause}`);

describe("reading build logs", () => {
  it("reads a plain log: labels, instructions as printed, outcomes and durations", () => {
    const l = log("01-full.plain");
    expect(l.format).toBe("plain");
    expect(l.steps.map((s) => `${s.key} ${s.engine} ${s.seconds}`)).toEqual([
      "[1/7] ran 0",
      "[2/7] ran 0.1",
      "[3/7] ran 0.2",
      "[4/7] ran 1.6",
      "[5/7] ran 0",
      "[6/7] ran 1",
      "[7/7] ran 0.6",
    ]);
    expect(l.steps[6].instruction).toBe('RUN echo "1" > /version');
  });

  it("reads a rawjson stream: cached vertexes, and durations from started and completed", () => {
    const l = log("02-source-edit.rawjson");
    expect(l.format).toBe("rawjson");
    expect(l.steps.map((s) => `${s.key} ${s.engine}`).sort()).toEqual(["[1/7] ran", "[2/7] cached", "[3/7] cached", "[4/7] cached", "[5/7] ran", "[6/7] ran", "[7/7] ran"]);
    const full = log("01-full.rawjson");
    const install = full.steps.find((s) => s.key === "[4/7]");
    expect(install?.seconds).toBeGreaterThanOrEqual(1);
    expect(install?.instruction).toBe("RUN sleep 1 && cat package.json > /deps.out");
  });

  it("reads padded labels and a failed step, in both formats", () => {
    for (const name of ["padded/error.plain", "padded/error.rawjson"]) {
      const l = log(name);
      expect(l.failed, name).toBe(true);
      const last = l.steps.find((s) => s.key === "[build 12/12]");
      expect(last?.engine, name).toBe("error");
      expect(last?.error).toContain("exit code: 3");
      expect(l.steps.some((s) => s.key === "[build 3/12]"), name).toBe(true);
    }
    expect(log("padded/error.plain").steps.find((s) => s.key === "[build 3/12]")?.label).toBe("[build  3/12]");
  });

  it("reads buildx history logs, GitHub Actions' timestamped lines and multi-platform labels as plain", () => {
    const plain = log("02-source-edit.plain").steps.map((s) => `${s.key} ${s.engine} ${s.seconds}`);
    for (const name of ["02-source-edit.history", "02-source-edit.github", "02-source-edit.multiplatform"]) {
      const l = log(name);
      expect(l.format).toBe("plain");
      expect(l.steps.map((s) => `${s.key} ${s.engine} ${s.seconds}`), name).toEqual(plain);
    }
    expect(log("02-source-edit.multiplatform").steps[0].platform).toBe("linux/arm64");
  });

  it.each([
    ["empty.log", "the log is empty"],
    ["binary.log", "not a build log: the file is binary"],
    ["truncated.plain", "the log is truncated: step [4/7] RUN sleep 1 && cat pac has no result"],
    ["truncated.rawjson", "the log is truncated: the rawjson stream ends inside an object"],
    ["legacy.log", "a log of the legacy builder"],
  ])("refuses %s with one line", (name, message) => {
    expect(() => log(name)).toThrow(message);
  });
});

describe("why", () => {
  it("names the changed file for the first step that ran, and the parent for the others", () => {
    for (const name of ["02-source-edit.plain", "02-source-edit.rawjson", "02-source-edit.history", "02-source-edit.github", "02-source-edit.multiplatform"]) {
      const r = explainApp(name, { changedPaths: ["src/index.js"] });
      expect(ran(r), name).toEqual(["[5/7] COPY . . brings in changed src/index.js", "[6/7] its parent step ran", "[7/7] its parent step ran"]);
      expect(r.unexplained).toBe(0);
      expect(r.steps.filter((s) => s.engine === "cached").every((s) => s.predicted === "cached" && s.cause === "its inputs did not change")).toBe(true);
    }
  });

  it("counts the time the fixes would have kept cached", () => {
    for (const name of ["04-build-arg.plain", "04-build-arg.rawjson"]) {
      const r = explainApp(name, { changedBuildArgs: ["VERSION"], buildArgValues: { VERSION: "2" } });
      expect(ran(r)[0], name).toBe("[4/7] build-arg VERSION declared at line 2 changed");
      const install = r.steps.find((s) => s.step === "[4/7]");
      const copy = r.steps.find((s) => s.step === "[5/7]");
      const build = r.steps.find((s) => s.step === "[6/7]");
      // volatile-arg-early's fix declares VERSION just before its RUN: the install, the COPY and the build stay cached
      expect(r.seconds.avoidable).toBeCloseTo((install?.seconds ?? 0) + (copy?.seconds ?? 0) + (build?.seconds ?? 0), 5);
      expect(r.seconds.ran).toBeGreaterThan(r.seconds.avoidable);
    }
  });

  it("reports every step of a build after a prune as unexplained, no cache first", () => {
    for (const name of ["06-after-prune.plain", "06-after-prune.rawjson"]) {
      const r = explainApp(name, { changedPaths: [], buildArgValues: { VERSION: "2" } });
      expect(r.unexplained, name).toBe(6);
      for (const s of r.steps.slice(1)) {
        expect(s.predicted).toBe("cached");
        expect(s.cause).toMatch(/^unexplained: layerlint predicts it stays cached; in order of likelihood: \(1\) the builder had no cache for the step: nothing in this log was cached/);
        expect(s.cause).toContain("(2) the base image resolved to a new digest");
        expect(s.cause).toContain("(3) the build ran with --no-cache");
        expect(s.cause).toContain("(4) a different platform");
      }
    }
  });

  it("asks for the change first when some steps were cached and none was given", () => {
    const r = explainApp("02-source-edit.plain");
    expect(r.unexplained).toBe(3);
    expect(r.steps[4].cause).toContain("(1) an input changed that layerlint was not told about");
  });

  it("says plainly when the engine kept a step cached that the model predicts re-runs", () => {
    const r = explainApp("02-source-edit.plain", { changedPaths: ["src/index.js", "package.json"] });
    const copy = r.steps.find((s) => s.step === "[3/7]");
    expect(copy?.engine).toBe("cached");
    expect(copy?.cause).toMatch(/^model error: the engine kept it cached, but layerlint predicts a re-run \(COPY package.json \.\/ brings in changed package.json\)/);
  });

  it("reports a failed step and the steps that never ran", () => {
    const dockerfile = join(LOGS, "padded", "Dockerfile");
    const r = why({ dockerfilePath: dockerfile, source: fromString(readFileSync(dockerfile, "utf8")), logName: "error.plain", log: log("padded/error.plain"), rules, context: null, changedPaths: [] });
    const failed = r.steps.find((s) => s.step === "[build 12/12]");
    expect(failed?.engine).toBe("error");
    expect(failed?.cause).toBe('failed: process "/bin/sh -c exit 3" did not complete successfully: exit code: 3');
    const copy = r.steps.find((s) => s.step === "[stage-1 2/2]");
    expect(copy?.engine).toBe("not-run");
    expect(copy?.seconds).toBeNull();
    expect(copy?.cause).toBe("not run: the build stopped at [build 12/12] RUN exit 3");
  });

  it("refuses the log of another Dockerfile", () => {
    expect(() => explainApp("../why-logs/padded/error.plain")).toThrow(/not a log of .*Dockerfile: step \[stage-1 1\/2\] FROM docker.io\/library\/node:20 is not one of its steps \(\[1\/7\] … \[7\/7\]\)/);
    const edited = fromString(readFileSync(APP_DOCKERFILE, "utf8").replace("COPY . .", "ADD . ."));
    expect(() => why({ dockerfilePath: APP_DOCKERFILE, source: edited, logName: "x", log: log("01-full.plain"), rules, context: APP })).toThrow(
      /not a log of .*: step \[5\/7\] is `COPY \. \.` in the log but `ADD \. \.` at line 6/,
    );
  });

  it("refuses a log that stops before the build's last step", () => {
    const text = readFileSync(join(LOGS, "01-full.plain"), "utf8");
    const cut = text.slice(0, text.indexOf("#9 [5/7]"));
    expect(() => why({ dockerfilePath: APP_DOCKERFILE, source: fromString(readFileSync(APP_DOCKERFILE, "utf8")), logName: "cut.log", log: readBuildLog(cut, "cut.log"), rules, context: APP })).toThrow(
      "the log is truncated: step [5/7] COPY . . is missing, and no step failed",
    );
  });
});

describe("layerlint why (CLI)", () => {
  it("prints the JSON contract, reading the log from standard input", () => {
    const r = cli(["why", APP_DOCKERFILE, "--log", "-", "--changed", "src/index.js", "--format", "json"], { input: readFileSync(join(LOGS, "02-source-edit.rawjson"), "utf8"), cwd: APP });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as WhyReport;
    expect(Object.keys(report)).toEqual(["dockerfile", "log", "steps", "unexplained", "seconds"]);
    expect(Object.keys(report.steps[0])).toEqual(["line", "step", "instruction", "engine", "seconds", "predicted", "cause"]);
    expect(Object.keys(report.seconds)).toEqual(["total", "ran", "avoidable"]);
    expect(report.steps.find((s) => s.step === "[5/7]")).toMatchObject({ line: 6, instruction: "COPY . .", engine: "ran", predicted: "rerun" });
  });

  it("prints a table with a summary line", () => {
    const r = cli(["why", APP_DOCKERFILE, "--log", join(LOGS, "04-build-arg.plain"), "--build-arg", "VERSION=2", "--format", "table"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[1]).toMatch(/^STEP\s+INSTRUCTION\s+ENGINE\s+SECONDS\s+CAUSE$/);
    expect(lines[lines.length - 1]).toMatch(/^\d+\.\d s of \d+\.\d s ran; \d+\.\d s would have stayed cached after the fixes layerlint proposes$/);
  });

  it.each(["empty.log", "binary.log", "truncated.plain", "truncated.rawjson", "legacy.log", "padded/error.plain", "missing.log"])("exits 2 with one line for %s", (name) => {
    const r = cli(["why", APP_DOCKERFILE, "--log", join(LOGS, name)]);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(name);
  });

  it("takes the change from git with --since, and impact --timings from the command line", () => {
    const files = (index: string, pkg = '{"name":"a"}\n') => ({
      Dockerfile: readFileSync(APP_DOCKERFILE, "utf8"),
      ".dockerignore": "Dockerfile\n.dockerignore\n",
      "package.json": pkg,
      "src/index.js": index,
    });
    const { dir } = scriptedRepo([
      { message: "initial", write: files("console.log(1)\n") },
      { message: "edit", write: files("console.log(2)\n") },
      { message: "bump", write: files("console.log(2)\n", '{"name":"a","version":"2"}\n') },
    ]);
    const r = cli(["why", "Dockerfile", "--log", join(LOGS, "02-source-edit.plain"), "--since", "HEAD~2", "--format", "json"], { cwd: dir });
    expect(r.stderr).toBe("");
    const report = JSON.parse(r.stdout) as WhyReport;
    // the log is of the source edit only: git also names package.json, whose COPY the engine kept cached
    expect(report.steps[4].cause).toBe("COPY . . brings in changed package.json, src/index.js");
    expect(report.steps[2].cause).toMatch(/^model error: /);
    const t = cli(["impact", "Dockerfile", "--timings", "-", "--format", "json"], { cwd: dir, input: readFileSync(join(LOGS, "01-full.plain"), "utf8") });
    expect(t.stderr).toBe("");
    const json = JSON.parse(t.stdout) as { commits: number; secondsRerun: number; steps: { step: string; seconds: number | null; reruns: number }[] };
    expect(json.steps.find((s) => s.step === "[4/7]")).toMatchObject({ seconds: 1.6 });
    expect(json.secondsRerun).toBeCloseTo(json.steps.reduce((n, s) => n + (s.seconds ?? 0) * s.reruns, 0), 5);
  }, 120_000);

  it("is listed in the help", () => {
    expect(cli(["--help"]).stdout).toContain("layerlint why");
    expect(cli(["why", "--help"]).stdout).toContain("--log");
  });
});

describe("impact --timings", () => {
  const source = fromString(readFileSync(APP_DOCKERFILE, "utf8"));
  const history = [
    { sha: "1", subject: "edit", paths: ["src/index.js"] },
    { sha: "2", subject: "edit", paths: ["src/index.js"] },
    { sha: "3", subject: "bump", paths: ["package.json"] },
  ];

  it("gives each step the seconds the log measured, and the time re-runs cost", () => {
    const r = impact({ dockerfilePath: APP_DOCKERFILE, source, rules, context: APP, history, timings: { log: log("01-full.plain"), name: "01-full.plain" } });
    expect(r.steps.map((s) => `${s.step} ${s.seconds} ${s.reruns}`)).toEqual(["[2/7] 0.1 0", "[3/7] 0.2 1", "[4/7] 1.6 1", "[5/7] 0 3", "[6/7] 1 3", "[7/7] 0.6 3"]);
    expect(r.secondsRerun).toBeCloseTo(0.2 + 1.6 + 3 + 1.8, 5);
    const json = JSON.parse(toJson(r)) as { secondsRerun: number; secondsRerunAfterFix: number; steps: { seconds: number | null }[] };
    expect(json.secondsRerun).toBe(r.secondsRerun);
    expect(json.secondsRerunAfterFix).toBe(r.secondsRerunAfterFix);
    expect(json.steps[2].seconds).toBe(1.6);
  });

  it("has no time for a step the log shows cached", () => {
    const r = impact({ dockerfilePath: APP_DOCKERFILE, source, rules, context: APP, history, timings: { log: log("02-source-edit.rawjson"), name: "x" } });
    expect(r.steps.find((s) => s.step === "[4/7]")?.seconds).toBeNull();
    expect(JSON.parse(toJson(r)).steps[2].seconds).toBeNull();
  });

  it("leads the markdown and HTML reports with the time saved, and shows each step's share", () => {
    const r = impact({ dockerfilePath: APP_DOCKERFILE, source, rules, context: APP, history, timings: { log: log("01-full.plain"), name: "01-full.plain" } });
    const md = toMarkdown(r).split("\n");
    expect(md[2]).toMatch(/^\*\*Time saved by the fixes: .* of 6\.6 s spent re-running steps over 3 commits/);
    expect(toMarkdown(r)).toContain("`RUN sleep 1 && cat package.json > /deps.out`: 1.6 s × 1 of 3 commits = 1.6 s; after fixes");
    const html = toHtml(r);
    expect(html.indexOf("Time saved by the fixes")).toBeLessThan(html.indexOf("<section>"));
    expect(html).toMatch(/<span class="bar" style="width:\d+(\.\d)?%"><\/span>/);
    expect(toTable(r).split("\n")[1]).toMatch(/^Time saved by the fixes/);
  });

  it("leaves the JSON as it was without --timings", () => {
    const r = impact({ dockerfilePath: APP_DOCKERFILE, source, rules, context: APP, history });
    const json = JSON.parse(toJson(r)) as Record<string, unknown> & { steps: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual(["dockerfile", "commits", "steps", "stepsAfterFix"]);
    expect(Object.keys(json.steps[0])).not.toContain("seconds");
  });

  it("reads the timings log from the command line, and refuses a bad one with one line", () => {
    const bad = cli(["impact", APP_DOCKERFILE, "--timings", join(LOGS, "empty.log")]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(bad.stderr).toContain("empty.log: the log is empty");
  });
});
