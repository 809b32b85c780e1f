import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { explain, type ExplainReport } from "../src/index.js";
import { cli, tempTree } from "./helpers/cli.js";

const EXAMPLES = ["clean", "multi-stage-go", "node-app", "python-api"];
const ROW_KEYS = ["endLine", "inputs", "keyword", "kind", "line", "reason", "stage", "status", "step", "text"];

function json(args: string[], opts: { cwd?: string } = {}): ExplainReport {
  const r = cli(["explain", ...args], opts);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout) as ExplainReport;
}

describe("explain(): the JSON contract", () => {
  it("lists every instruction with its step, kind and inputs; no status without a change", () => {
    const report = explain("ARG V=1\nFROM alpine AS build\nWORKDIR /app\nCOPY . .\nRUN make \\\n  all\nFROM scratch\nCOPY --from=build /app/out /out\nCMD [\"/out\"]\n", { context: null });
    expect(Object.keys(report).sort()).toEqual(["context", "file", "instructions", "stages", "target"]);
    expect(report.target).toBe("stage-1");
    expect(report.stages.map((s) => [s.label, s.needed, s.dependsOn])).toEqual([
      ["build", true, []],
      ["stage-1", true, ["build"]],
    ]);
    for (const row of report.instructions) expect(Object.keys(row).sort()).toEqual(ROW_KEYS);
    expect(report.instructions.map((r) => [r.line, r.endLine, r.keyword, r.stage, r.step, r.kind, r.status])).toEqual([
      [1, 1, "ARG", null, null, "metadata", null],
      [2, 2, "FROM", "build", "[build 1/4]", "base", null],
      [3, 3, "WORKDIR", "build", "[build 2/4]", "file-op", null],
      [4, 4, "COPY", "build", "[build 3/4]", "layer", null],
      [5, 6, "RUN", "build", "[build 4/4]", "layer", null],
      [7, 7, "FROM", "stage-1", null, "base", null],
      [8, 8, "COPY", "stage-1", "[stage-1 1/1]", "layer", null],
      [9, 9, "CMD", "stage-1", null, "metadata", null],
    ]);
    const run = report.instructions[4];
    expect(run.text).toBe("RUN make \\\n  all");
    expect(run.inputs).toMatchObject({ parent: 4, command: "make   all", args: [], env: [], user: null, workdir: "/app", bindMounts: [], unkeyedMounts: [] });
    expect(report.instructions[6].inputs).toMatchObject({ fromStage: "build", sources: [{ kind: "stage", path: "/app/out" }], destination: "/out", files: null });
    expect(report.instructions[7].inputs).toEqual({ dependsOn: [], effect: "image configuration only: no step depends on it" });
  });

  it("gives a status and a reason to every step once a change is given", () => {
    const report = explain("FROM alpine\nARG GIT_SHA\nCOPY . .\nRUN make\n", { context: null, changedBuildArgs: ["GIT_SHA"] });
    expect(report.instructions.map((r) => [r.status, r.reason])).toEqual([
      ["cached", "its inputs did not change"],
      [null, null],
      ["cached", "its inputs did not change"],
      ["rerun", "build-arg GIT_SHA declared at line 2 changed"],
    ]);
  });

  it("shows ONBUILD triggers where the child stage runs them", () => {
    const report = explain("FROM alpine AS t\nONBUILD RUN echo hi\nFROM t AS app\nRUN b\n", { context: null, changedPaths: [] });
    const trigger = report.instructions.find((r) => r.stage === "app" && r.keyword === "RUN" && r.line === 2);
    expect(trigger).toMatchObject({ text: "ONBUILD RUN echo hi", step: "[app 1/1]", kind: "layer", status: "cached" });
  });
});

describe("layerlint explain (CLI)", () => {
  for (const name of EXAMPLES) {
    it(`explains examples/${name} as JSON (the default off a terminal) and as a table`, () => {
      const file = `examples/${name}/Dockerfile`;
      const report = json([file]);
      expect(report.file).toBe(file);
      expect(report.context).toBe(`examples/${name}`);
      expect(report.instructions.length).toBeGreaterThan(2);
      expect(report.instructions.every((r) => r.status === null && r.reason === null)).toBe(true);
      expect(report.instructions.filter((r) => r.kind === "layer").every((r) => typeof r.step === "string")).toBe(true);

      const table = cli(["explain", file, "--format", "table"]);
      expect(table.status).toBe(0);
      const lines = table.stdout.trimEnd().split("\n");
      expect(lines[1]).toMatch(/^STEP\s+INSTRUCTION\s+KIND\s+CACHE KEY DEPENDS ON$/);
      expect(lines).toHaveLength(report.instructions.length + 2);
      expect(table.stdout).not.toContain("\u001b[");
      for (const row of report.instructions) if (row.step) expect(table.stdout).toContain(row.step);
    });
  }

  it("predicts a source change on examples/node-app with reasons in the table", () => {
    const r = cli(["explain", "examples/node-app/Dockerfile", "--format", "table", "--changed", "src/server.js"]);
    expect(r.status).toBe(0);
    const copy = r.stdout.split("\n").find((l) => l.startsWith("[5/7]"));
    expect(copy).toMatch(/creates a layer .* RERUN {2}COPY \. \. brings in changed src\/server\.js$/);
    expect(r.stdout.split("\n").find((l) => l.startsWith("[2/7]"))).toMatch(/file operation .* CACHED {2}its inputs did not change$/);
    expect(r.stdout).toMatch(/USER node\s+metadata only, no layer/);
  });

  it("a repeatable option takes one value per flag: --changed before the Dockerfile keeps it", () => {
    const before = cli(["explain", "--changed", "src/server.js", "examples/node-app/Dockerfile", "--format", "json"]);
    const after = cli(["explain", "examples/node-app/Dockerfile", "--format", "json", "--changed", "src/server.js"]);
    expect(before.status, before.stderr).toBe(0);
    expect(before.stdout).toBe(after.stdout);
  });

  it("takes --changed paths relative to the current directory when inside the context", () => {
    const report = json(["examples/node-app/Dockerfile", "--changed", "examples/node-app/src/server.js"]);
    expect(report.instructions.find((r) => r.step === "[5/7]")?.status).toBe("rerun");
  });

  it("reads --since REF from git: committed, uncommitted and untracked changes, and Dockerfile edits", () => {
    const dir = tempTree({ "app/Dockerfile": "FROM alpine\nWORKDIR /app\nCOPY a.txt ./\nRUN one\nCOPY b.txt ./\nRUN two\n", "app/a.txt": "a", "app/b.txt": "b", "other.txt": "o" });
    const git = (...args: string[]): string => execFileSync("git", ["-C", dir, "-c", "user.email=t@example.com", "-c", "user.name=t", ...args], { encoding: "utf8" });
    git("init", "-q");
    git("add", ".");
    git("commit", "-qm", "one");
    writeFileSync(join(dir, "app/b.txt"), "b2");
    writeFileSync(join(dir, "other.txt"), "o2");
    writeFileSync(join(dir, "app/new.txt"), "n");
    const since = json([join(dir, "app/Dockerfile"), "--since", "HEAD"]);
    expect(since.instructions.map((r) => r.status)).toEqual(["cached", "cached", "cached", "cached", "rerun", "rerun"]);
    expect(since.instructions[4].reason).toBe("COPY b.txt ./ brings in changed b.txt");

    writeFileSync(join(dir, "app/Dockerfile"), "FROM alpine\nWORKDIR /srv\nCOPY a.txt ./\nRUN one\nCOPY b.txt ./\nRUN two\n");
    const edited = json([join(dir, "app/Dockerfile"), "--since", "HEAD"]);
    expect(edited.instructions.map((r) => r.status)).toEqual(["cached", "rerun", "rerun", "rerun", "rerun", "rerun"]);
    expect(edited.instructions[1].reason).toBe("the instruction changed: WORKDIR /srv");
  });

  it("marks skipped stages with --target", () => {
    const dir = tempTree({ Dockerfile: "FROM alpine AS test\nRUN t\nFROM alpine AS final\nRUN f\n", x: "" });
    const report = json([join(dir, "Dockerfile"), "--target", "final", "--changed", "x"]);
    expect(report.stages.map((s) => s.needed)).toEqual([false, true]);
    expect(report.instructions.map((r) => r.status)).toEqual(["skipped", "skipped", "cached", "cached"]);
  });

  it("--build-arg NAME=VALUE compares VALUE with the default; NAME alone is a value not given", () => {
    const dir = tempTree({ Dockerfile: "ARG FLAVOR=a\nFROM alpine AS build-a\nRUN a\nFROM alpine AS build-b\nRUN b\nFROM build-${FLAVOR}\nARG UID=1000\nRUN c\n" });
    const file = join(dir, "Dockerfile");
    const runs = (r: ExplainReport): (string | null)[][] => r.instructions.filter((i) => i.keyword === "RUN").map((i) => [i.stage, i.status]);
    expect(runs(json([file, "--build-arg", "UID=1000"]))).toEqual([["build-a", "cached"], ["build-b", "skipped"], ["stage-2", "cached"]]);
    expect(runs(json([file, "--build-arg", "UID=1001"]))).toEqual([["build-a", "cached"], ["build-b", "skipped"], ["stage-2", "rerun"]]);
    expect(runs(json([file, "--build-arg", "FLAVOR=b"]))).toEqual([["build-a", "skipped"], ["build-b", "rerun"], ["stage-2", "rerun"]]);
    expect(runs(json([file, "--build-arg", "FLAVOR"]))).toEqual([["build-a", "uncertain"], ["build-b", "uncertain"], ["stage-2", "uncertain"]]);
  });

  it("refuses bad input with one line and exit 2", () => {
    const dir = tempTree({ Dockerfile: "FROM alpine\nRUN a\n" });
    const file = join(dir, "Dockerfile");
    const cases: [string[], RegExp][] = [
      [[join(dir, "missing")], /^layerlint: .*missing: no such file or directory\n$/],
      [[file, "--target", "nope"], /^layerlint: .*Dockerfile: target stage "nope" not found\n$/],
      [[file, "--format", "xml"], /^layerlint: unknown --format "xml": use table or json\n$/],
      [[file, "--since", "no-such-ref"], /^layerlint: --since no-such-ref: .+\n$/],
      [[file, "--context", join(dir, "nope")], /^layerlint: .*nope: the build context is not a directory\n$/],
      [[file, "--build-arg", "1BAD"], /^layerlint: --build-arg "1BAD" is not a variable name\n$/],
      [[file, file], /^layerlint: explain takes one Dockerfile/],
      // ./Dockerfile by default, as for impact: here (the repository's root) there is none.
      [[], /^layerlint: Dockerfile: no such file/],
    ];
    for (const [args, message] of cases) {
      const r = cli(["explain", ...args]);
      expect(r.status, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    }
  });
});
