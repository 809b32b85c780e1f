import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseFastArgs } from "../src/cli/fast-args.js";
import { parseLintArgs, type LintArgs } from "../src/cli/lint.js";
import { BIN, cli, tempTree } from "./helpers/cli.js";
import { ROOT } from "./helpers/fixtures.js";

const FIELDS: (keyof LintArgs)[] = [
  "paths", "format", "fix", "fixDryRun", "fixUnsafe", "config", "rule", "context", "target", "buildArg",
  "stdin", "stdinFilename", "maxWarnings", "quiet", "outputFile", "color", "listRules", "printConfig", "debug",
];
const pick = (a: LintArgs): Partial<LintArgs> => Object.fromEntries(FIELDS.map((f) => [f, a[f]]));

describe("fast path: the hand-written parser agrees with yargs", () => {
  it("accepts the common command lines with yargs' values", async () => {
    const lines = [
      ["Dockerfile"],
      ["a/Dockerfile", "b/Dockerfile", "dir"],
      ["--format", "json", "Dockerfile"],
      ["Dockerfile", "-f", "stylish"],
      ["--format=json", "Dockerfile"],
      ["--fix", "Dockerfile"],
      ["Dockerfile", "--fix", "--format", "sarif"],
      ["--format", "no-such-format", "Dockerfile"],
      ["dir with spaces/Dockerfile"],
      ["a=b"],
      ["--quiet", "Dockerfile"],
      ["-q", "--format", "json", "a", "b"],
      ["--stdin", "--stdin-filename", "svc/Dockerfile", "--format", "json"],
      ["--stdin-filename=svc/Dockerfile", "--stdin"],
      ["-"],
      ["-", "Dockerfile"],
      ["Dockerfile", "-", "other"],
      ["--stdin"],
    ];
    for (const argv of lines) {
      const fast = parseFastArgs(argv);
      expect(fast, argv.join(" ")).not.toBeNull();
      expect(pick(fast as LintArgs), argv.join(" ")).toEqual(pick(await parseLintArgs(argv)));
    }
  });

  it("leaves every other command line to yargs", () => {
    const lines = [
      ["--help"], ["-h"], ["--version"], ["--quiet", "--quiet", "Dockerfile"], ["--stdin", "--stdin"], [...YARGS, "Dockerfile"],
      ["--stdin-filename"], ["--stdin-filename", "-", "--stdin"], ["--stdin", "--stdin-filename", "a", "--stdin-filename", "b"], ["-qf", "json", "x"],
      ["--fix", "--fix", "Dockerfile"], ["--format", "json", "--format", "json", "Dockerfile"], ["--format"], ["-f", "-", "x"],
      ["--fix", "true"], ["--fix", "false"], ["123"], ["--", "Dockerfile"], ["--no-fix", "Dockerfile"], ["-fjson", "Dockerfile"],
      ["--fix=true", "Dockerfile"], ["--rule", "a=off", "Dockerfile"],
    ];
    for (const argv of lines) expect(parseFastArgs(argv), argv.join(" ")).toBeNull();
  });

  it("agrees with yargs on random command lines it accepts", async () => {
    const token = fc.constantFrom(
      "Dockerfile", "x.Dockerfile", "dir", "--format", "-f", "json", "stylish", "--format=json", "--fix", "-", "--quiet", "true", "7", "--", "-q", "a b", "--fix-dry-run",
      "--stdin", "--stdin-filename", "--stdin-filename=svc/Dockerfile", "--stdin-filename=", "false",
    );
    await fc.assert(
      fc.asyncProperty(fc.array(token, { maxLength: 6 }), async (argv) => {
        const fast = parseFastArgs(argv);
        if (fast === null) return;
        expect(pick(fast)).toEqual(pick(await parseLintArgs(argv)));
      }),
      { numRuns: 600 },
    );
  });
});

const BAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const FIXABLE = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN apt-get update\n";

const YARGS = ["--build-arg", "UNUSED_BY_THIS_TEST=1"];

describe("fast path: the same output as the yargs path (built CLI)", () => {
  // An unused --build-arg changes nothing but is not a fast-path option: it forces the yargs path.
  it("prints the same report and exit code", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
    for (const extra of [[], ["--format", "json"], ["-f", "json"]]) {
      const fast = cli([join(dir, "Dockerfile"), ...extra]);
      const slow = cli([join(dir, "Dockerfile"), ...extra, ...YARGS]);
      expect(fast.stdout).not.toBe("");
      expect(fast).toEqual(slow);
    }
    expect(cli(["lint", join(dir, "Dockerfile")])).toEqual(cli([join(dir, "Dockerfile"), ...YARGS]));
    // an editor on save: standard input
    const stdinArgs = ["--stdin", "--stdin-filename", join(dir, "Dockerfile"), "--format", "json"];
    const fromStdin = cli(stdinArgs, { input: BAD });
    expect(fromStdin.stdout).toContain("copy-before-install");
    expect(fromStdin).toEqual(cli([...stdinArgs, ...YARGS], { input: BAD }));
    expect(cli(["-", "-q"], { input: BAD })).toEqual(cli(["-", "-q", ...YARGS], { input: BAD }));
  });

  it("reports a missing file and an unknown format the same way", () => {
    expect(cli(["no/such/Dockerfile"])).toEqual(cli(["no/such/Dockerfile", ...YARGS]));
    const dir = tempTree({ Dockerfile: BAD });
    expect(cli([join(dir, "Dockerfile"), "--format", "nope"])).toEqual(cli([join(dir, "Dockerfile"), "--format", "nope", ...YARGS]));
  });

  it("fixes files the same way", () => {
    const a = tempTree({ Dockerfile: FIXABLE, "package.json": "{}" });
    const b = tempTree({ Dockerfile: FIXABLE, "package.json": "{}" });
    const fast = cli(["--fix", join(a, "Dockerfile")]);
    const slow = cli(["--fix", join(b, "Dockerfile"), ...YARGS]);
    expect(fast.status).toBe(slow.status);
    expect(fast.stdout.split(a).join("<dir>")).toBe(slow.stdout.split(b).join("<dir>"));
    expect(readFileSync(join(a, "Dockerfile"), "utf8")).toBe(readFileSync(join(b, "Dockerfile"), "utf8"));
  });
});

/** The Node built-in modules a process loads beyond those of `node -e 0`. */
function modulesBeyondNode(args: string[], stdio: "pipe" | "ignore", input?: string): string[] {
  const dir = tempTree({});
  const list = (argv: string[]): Set<string> => {
    const out = join(dir, "modules.txt");
    const r = spawnSync(process.execPath, ["-r", join(ROOT, "test/helpers/module-list.cjs"), ...argv], {
      cwd: dir,
      stdio: [input === undefined ? "ignore" : "pipe", stdio, "pipe"],
      input,
      env: { ...process.env, LAYERLINT_MODULE_LIST: out, NO_COLOR: "1" },
    });
    expect(r.status, String(r.stderr)).not.toBe(2);
    return new Set(readFileSync(out, "utf8").split("\n"));
  };
  const node = list(["-e", "0"]);
  return [...list(args)].filter((m) => !node.has(m));
}

describe("fast path: what start-up loads", () => {
  // Timings are benchmarks (bench/startup.mjs); what the common command line
  // loads is a fact a test can pin: it is where start-up time goes.
  it("the common command lines (files or standard input) load only node:vm beyond `node -e 0`, writing to a pipe or to /dev/null", () => {
    const dir = tempTree({ "svc/Dockerfile": BAD, "svc/package.json": "{}", "other/Dockerfile": FIXABLE });
    for (const stdio of ["pipe", "ignore"] as const) {
      expect(modulesBeyondNode([BIN, join(dir, "svc/Dockerfile")], stdio)).toEqual(["NativeModule vm"]);
      expect(modulesBeyondNode([BIN, dir, "--format", "json"], stdio)).toEqual(["NativeModule vm"]);
    }
    // an editor on save, through standard input
    expect(modulesBeyondNode([BIN, "--stdin", "--stdin-filename", join(dir, "svc/Dockerfile"), "--format", "json"], "pipe", BAD)).toEqual(["NativeModule vm"]);
  });

  it("the check can fail: yargs' path loads the ES module loader's modules and more", () => {
    const dir = tempTree({ Dockerfile: BAD });
    expect(modulesBeyondNode([BIN, join(dir, "Dockerfile"), ...YARGS], "pipe").length).toBeGreaterThan(1);
  });
});

/** A tree of `count` Dockerfiles, some with problems, one fixable per few. */
function tree(count: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < count; i++) {
    files[`svc-${String(i).padStart(3, "0")}/Dockerfile`] = i % 3 === 0 ? FIXABLE : i % 3 === 1 ? BAD : "FROM alpine:3.20\nRUN echo ok\n";
    files[`svc-${String(i).padStart(3, "0")}/package.json`] = "{}";
  }
  return files;
}

function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) visit(p);
      else out[relative(dir, p)] = readFileSync(p, "utf8");
    }
  };
  visit(dir);
  return out;
}

describe("worker pool: the same results as the serial loop (built CLI)", () => {
  it("reports the same findings in the same order", () => {
    const dir = tempTree(tree(60));
    for (const format of ["stylish", "json"]) {
      const serial = cli([dir, "--format", format], { env: { LAYERLINT_WORKERS: "0" } });
      const pooled = cli([dir, "--format", format], { env: { LAYERLINT_WORKERS: "2" } });
      expect(serial.stdout.length).toBeGreaterThan(100);
      expect(pooled).toEqual(serial);
    }
    // through yargs too (--quiet is not a fast-path option)
    expect(cli([dir, "--quiet"], { env: { LAYERLINT_WORKERS: "2" } })).toEqual(cli([dir, "--quiet"], { env: { LAYERLINT_WORKERS: "0" } }));
  });

  it("writes the same fixes", () => {
    const a = tempTree(tree(30));
    const b = tempTree(tree(30));
    const serial = cli(["--fix", a], { env: { LAYERLINT_WORKERS: "0" } });
    const pooled = cli(["--fix", b], { env: { LAYERLINT_WORKERS: "2" } });
    expect(pooled.status).toBe(serial.status);
    expect(pooled.stdout.split(b).join("<dir>")).toBe(serial.stdout.split(a).join("<dir>"));
    expect(snapshot(b)).toEqual(snapshot(a));
    expect(snapshot(a)).not.toEqual(tree(30));
  });

  it("fails on an unreadable file as the serial loop does", () => {
    const files = tree(20);
    files["svc-005/Dockerfile"] = "FROM alpine\0\n";
    const dir = tempTree(files);
    const serial = cli([dir], { env: { LAYERLINT_WORKERS: "0" } });
    expect(serial.status).toBe(2);
    expect(cli([dir], { env: { LAYERLINT_WORKERS: "2" } })).toEqual(serial);
  });
});
