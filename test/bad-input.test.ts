import { spawnSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { lint } from "../src/index.js";
import { cli, tempTree, type CliResult } from "./helpers/cli.js";
import { ROOT } from "./helpers/fixtures.js";

/**
 * The bad-input table of docs/reliability.md, end to end through the built
 * CLI. test/cli.test.ts holds the first test of several rows; these are the
 * rest and the variants: each bad input gives ONE line on stderr naming the
 * path and the problem, exit 2, no stack trace, no hang, and no file half
 * written (a --fix run that fails leaves every file as it was).
 */

const GOOD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";

function oneLine(r: CliResult, path: string, problem: RegExp): string {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^layerlint: /);
  expect(lines[0]).toContain(path);
  expect(lines[0]).toMatch(problem);
  expect(r.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(r.stdout).toBe("");
  return lines[0];
}

/** The JSON report parses and every finding lies inside the file. */
function jsonReport(r: CliResult): { filePath: string; messages: { ruleId: string; line: number; column: number; message: string }[] }[] {
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  return JSON.parse(r.stdout);
}

/**
 * The built CLI, copied to a folder every user can read: the checkout itself
 * may sit under a directory `nobody` cannot enter (a 0700 temporary folder),
 * which would make the permission tests fail for the wrong reason.
 */
let readableBin: string | undefined;
function binForEveryone(): string {
  if (!readableBin) {
    const dir = mkdtempSync(join(tmpdir(), "layerlint-bin-"));
    chmodSync(dir, 0o755);
    cpSync(join(ROOT, "bin"), join(dir, "bin"), { recursive: true });
    cpSync(join(ROOT, "dist"), join(dir, "dist"), { recursive: true, filter: (src) => !src.includes(`${sep}dist${sep}types`) });
    // package.json says the .js files are ES modules.
    cpSync(join(ROOT, "package.json"), join(dir, "package.json"));
    readableBin = join(dir, "bin", "layerlint.cjs");
  }
  return readableBin;
}

/** Runs the CLI as an unprivileged user, for permission tests under root. */
function cliAsNobody(args: string[]): CliResult {
  const r = spawnSync("runuser", ["-u", "nobody", "--", process.execPath, binForEveryone(), ...args], { encoding: "utf8", env: { ...process.env, NO_COLOR: "1" }, timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const isRoot = process.getuid?.() === 0;
const hasRunuser = isRoot && spawnSync("runuser", ["-u", "nobody", "--", "true"]).status === 0;

describe("bad input: missing paths", () => {
  it("a missing path among good ones stops before any file is fixed", () => {
    const dir = tempTree({ Dockerfile: GOOD, "package.json": "{}" });
    const missing = join(dir, "nope", "Dockerfile");
    oneLine(cli(["--fix", join(dir, "Dockerfile"), missing]), missing, /no such file or directory/);
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe(GOOD);
  });

  it("a missing --config file", () => {
    const dir = tempTree({ Dockerfile: GOOD });
    oneLine(cli([dir, "--config", join(dir, "nope.json")]), join(dir, "nope.json"), /cannot read configuration|no such file/);
  });

  it("a path through a file (not a directory)", () => {
    const dir = tempTree({ Dockerfile: GOOD });
    oneLine(cli([join(dir, "Dockerfile", "x")]), join(dir, "Dockerfile", "x"), /not a directory/);
  });
});

describe("bad input: directories", () => {
  it("a directory whose only Dockerfiles are ignored or in node_modules", () => {
    const dir = tempTree({ ".gitignore": "build/\n", "build/Dockerfile": GOOD, "node_modules/x/Dockerfile": GOOD, "README.md": "" });
    oneLine(cli([dir]), dir, /no Dockerfile found/);
  });

  it("a symbolic link to itself named on the command line", () => {
    const dir = tempTree({});
    symlinkSync(join(dir, "Dockerfile"), join(dir, "Dockerfile"));
    oneLine(cli([join(dir, "Dockerfile")]), join(dir, "Dockerfile"), /symbolic link loop/);
  });

  it("a Dockerfile that is a symbolic link loop inside a directory walk", () => {
    const dir = tempTree({ "README.md": "" });
    symlinkSync(join(dir, "Dockerfile.b"), join(dir, "Dockerfile.a"));
    symlinkSync(join(dir, "Dockerfile.a"), join(dir, "Dockerfile.b"));
    oneLine(cli([dir]), join(dir, "Dockerfile.a"), /symbolic link loop/);
  });

  it("a directory link back to an ancestor two levels up", () => {
    const dir = tempTree({ "a/b/Dockerfile": GOOD });
    symlinkSync(dir, join(dir, "a", "b", "up"));
    oneLine(cli([dir]), join(dir, "a", "b", "up"), /symbolic link loop/);
  });
});

describe("bad input: file contents", () => {
  it("a binary file found by a directory walk, with --fix: nothing written", () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d]);
    const dir = tempTree({ "a/Dockerfile": GOOD, "b/Dockerfile": png, "package.json": "{}" });
    oneLine(cli(["--fix", dir]), join(dir, "b", "Dockerfile"), /binary file/);
    expect(readFileSync(join(dir, "a", "Dockerfile"), "utf8")).toBe(GOOD);
  });

  it("binary standard input", () => {
    oneLine(cli(["-", "--stdin-filename", "svc/Dockerfile"], { input: "FROM x\n\0\0" }), "svc/Dockerfile", /binary file/);
  });

  it("invalid UTF-8 is linted with U+FFFD and a warning, and --fix leaves the file alone", () => {
    const bytes = Buffer.concat([Buffer.from("FROM node:20\n# caf"), Buffer.from([0xe9]), Buffer.from("\nWORKDIR /app\nCOPY . .\nRUN npm ci\n")]);
    const dir = tempTree({ Dockerfile: bytes, "package.json": "{}" });
    const p = join(dir, "Dockerfile");
    const out = jsonReport(cli([p, "--format", "json"]));
    const warning = out[0].messages.find((m) => m.ruleId === "layerlint");
    expect(warning?.message).toMatch(/invalid UTF-8/);
    // The rules still see the instructions.
    expect(out[0].messages.some((m) => m.ruleId === "copy-before-install")).toBe(true);
    const fixed = cli([p, "--fix"]);
    expect(fixed.stderr).toMatch(/not fixed: it is not valid UTF-8/);
    expect(fixed.stderr).toContain(p);
    expect(readFileSync(p).equals(bytes)).toBe(true);
  });

  it("a file of 100 MB is refused at once, in bounded memory", () => {
    const dir = tempTree({});
    const p = join(dir, "Dockerfile");
    // A sparse file: 100 MB on paper, nothing on disk.
    expect(spawnSync("truncate", ["-s", "100M", p]).status).toBe(0);
    // 40 MB of heap is far less than the file: it cannot have been read.
    oneLine(cli([p], { env: { NODE_OPTIONS: "--max-old-space-size=40" } }), p, /file too large \(100\.0 MiB; the limit is 1 MiB\)/);
  });

  it("standard input over the limit is refused while reading", () => {
    oneLine(cli(["-"], { input: "# x\n".repeat(300_000) }), "<stdin>", /input too large/);
  });

  it("a named pipe is refused instead of blocking forever", () => {
    const dir = tempTree({});
    const p = join(dir, "Dockerfile");
    expect(spawnSync("mkfifo", [p]).status).toBe(0);
    oneLine(cli([p]), p, /not a regular file \(a named pipe\)/);
  });

  it("a device is refused", () => oneLine(cli(["/dev/zero"]), "/dev/zero", /not a regular file \(a device\)/));
});

describe("bad input: permission denied", () => {
  it.runIf(!isRoot || hasRunuser)("an unreadable file", () => {
    const dir = tempTree({ Dockerfile: GOOD });
    chmodSync(dir, 0o755);
    const p = join(dir, "Dockerfile");
    chmodSync(p, 0o000);
    oneLine(isRoot ? cliAsNobody([p]) : cli([p]), p, /permission denied/);
  });

  it.runIf(!isRoot || hasRunuser)("an unreadable directory in a walk", () => {
    const dir = tempTree({ "a/Dockerfile": GOOD, "secret/Dockerfile": GOOD });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, "a"), 0o755);
    chmodSync(join(dir, "secret"), 0o000);
    oneLine(isRoot ? cliAsNobody([dir]) : cli([dir]), join(dir, "secret"), /permission denied/);
  });

  it.runIf(!isRoot || hasRunuser)("--fix in a directory the user cannot write: the original stays", () => {
    const dir = tempTree({ Dockerfile: GOOD, "package.json": "{}" });
    const p = join(dir, "Dockerfile");
    chmodSync(p, 0o666);
    chmodSync(dir, 0o555);
    const r = isRoot ? cliAsNobody([p, "--fix"]) : cli([p, "--fix"]);
    oneLine(r, p, /cannot write: permission denied/);
    expect(readFileSync(p, "utf8")).toBe(GOOD);
    chmodSync(dir, 0o755);
  });
});

describe("bad input: syntax the builder would reject", () => {
  const hasSyntaxRule = rules.some((r) => r.id === "syntax");

  it("an unterminated heredoc: a syntax finding (or the parser's problem), not a crash", () => {
    const text = "FROM alpine\nRUN <<EOF\necho hi\n";
    const r = cli(["-", "--format", "json"], { input: text });
    expect([0, 1]).toContain(r.status);
    const messages = jsonReport(r)[0].messages;
    const parsed = lint(text, { config: null, context: null });
    expect(parsed.file.problems.map((p) => p.message)).toEqual([expect.stringMatching(/unterminated heredoc <<EOF/)]);
    if (hasSyntaxRule) expect(messages.filter((m) => m.ruleId === "syntax").map((m) => m.message)).toEqual([expect.stringMatching(/unterminated heredoc/)]);
  });

  it("a dangling continuation at the end of the file: no crash, the instruction ends with the file", () => {
    for (const text of ["FROM alpine\nRUN echo hi \\", "FROM alpine\nRUN echo hi \\\n", "FROM alpine\nRUN echo hi \\\n\n\n", "# escape=`\nFROM alpine\nRUN echo hi `\n"]) {
      const r = cli(["-", "--format", "json"], { input: text });
      expect([0, 1]).toContain(r.status);
      jsonReport(r);
      const result = lint(text, { config: null, context: null });
      const run = result.file.instructions.find((i) => i.keyword === "RUN");
      expect(run?.argText.trim()).toMatch(/^echo hi/);
    }
  });

  it("thousands of nested continuations finish quickly and keep the instruction whole", () => {
    const n = 20_000;
    const text = "FROM alpine\nRUN echo start \\\n" + "  && echo step \\\n".repeat(n) + "  && echo end\n";
    // A hang ends in the helper's timeout, with no status.
    const r = cli(["-", "--format", "json"], { input: text });
    expect([0, 1]).toContain(r.status);
    jsonReport(r);
    const result = lint(text, { config: null, context: null });
    expect(result.file.instructions).toHaveLength(2);
    expect(result.file.instructions[1].range.end.line).toBe(n + 2);
  });

  it("thousands of escape characters alone on their lines", () => {
    const text = "FROM alpine\nRUN \\\n" + "\\\n".repeat(5_000) + "true\n";
    const r = cli(["-", "--format", "json"], { input: text });
    expect([0, 1]).toContain(r.status);
    jsonReport(r);
  });
});

describe("bad input: configuration", () => {
  it("malformed YAML configuration names the file", () => {
    const dir = tempTree({ Dockerfile: GOOD, ".layerlintrc.yaml": "rules:\n  copy-before-install: [warning\n" });
    oneLine(cli([dir]), ".layerlintrc.yaml", /invalid YAML/);
  });

  it("a configuration that is valid YAML but not an object", () => {
    const dir = tempTree({ Dockerfile: GOOD, ".layerlintrc.yml": "- just\n- a list\n" });
    oneLine(cli([dir]), ".layerlintrc.yml", /expected an object/);
  });

  it("a package.json on the way up that does not parse is not configuration: it is passed over", () => {
    for (const bad of ["{ \"name\": ", "", "{{ template }}"]) {
      const dir = tempTree({ "svc/Dockerfile": GOOD, "svc/package.json": bad, "package.json": JSON.stringify({ layerlint: { rules: { "copy-before-install": "error" } } }) });
      const r = cli([join(dir, "svc"), "--format", "json"]);
      expect(r.stderr).toBe("");
      // The configuration above it still applies: the broken file did not end the walk.
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout)[0].errorCount).toBeGreaterThan(0);
    }
  });

  it("a malformed package.json that is the configuration (-c) names the file", () => {
    const dir = tempTree({ Dockerfile: GOOD, "package.json": "{ \"name\": " });
    oneLine(cli([dir, "-c", join(dir, "package.json")]), join(dir, "package.json"), /invalid JSON/);
    const without = tempTree({ Dockerfile: GOOD, "package.json": "{}" });
    oneLine(cli([without, "-c", join(without, "package.json")]), join(without, "package.json"), /no "layerlint" key/);
    const withKey = tempTree({ Dockerfile: GOOD, "package.json": JSON.stringify({ name: "x", layerlint: { rules: { "copy-before-install": "off" } } }) });
    const r = cli([withKey, "-c", join(withKey, "package.json"), "--format", "json"]);
    expect(r.stderr).toBe("");
    expect(jsonReport(r)[0].messages.map((m) => m.ruleId)).not.toContain("copy-before-install");
  });

  it("-c naming a missing file says so, and a YAML error ends with its reason", () => {
    const dir = tempTree({ Dockerfile: GOOD, ".layerlintrc.yaml": "rules:\n  a: 1\n b: 2\n" });
    const missing = oneLine(cli([dir, "-c", join(dir, "missing.yaml")]), join(dir, "missing.yaml"), /cannot read configuration: no such file$/);
    expect(missing).not.toContain("ENOENT");
    const yaml = oneLine(cli([dir]), ".layerlintrc.yaml", /invalid YAML: line \d+, column \d+: .*[a-z]$/);
    expect(yaml).not.toMatch(/:$/);
  });

  it("a malformed --config file", () => {
    const dir = tempTree({ Dockerfile: GOOD, "cfg.json": "{\"rules\": {,}}" });
    oneLine(cli([dir, "--config", join(dir, "cfg.json")]), join(dir, "cfg.json"), /invalid JSON/);
  });

  it("an unknown rule in an ignore comment is a warning finding, not a failure", () => {
    const r = cli(["-", "--format", "json"], { input: "FROM alpine\n# layerlint ignore=no-such-rule\nRUN true\n" });
    expect(r.status).toBe(0);
    const messages = jsonReport(r)[0].messages.filter((m) => m.ruleId === "layerlint");
    expect(messages).toEqual([expect.objectContaining({ ruleId: "layerlint", line: 2, message: expect.stringMatching(/unknown rule "no-such-rule"/) })]);
  });

  it("an unknown rule in --rule is a warning, not a failure", () => {
    const r = cli(["-", "--rule", "no-such-rule=off"], { input: "FROM alpine\n" });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/warning: --rule: unknown rule "no-such-rule"/);
  });
});

describe("empty and near-empty input is valid", () => {
  for (const [name, text] of [
    ["empty stdin", ""],
    ["a BOM alone", "\uFEFF"],
    ["blank lines", "\n\n\r\n"],
    ["comments only", "# nothing here\n# at all\n"],
  ] as const) {
    it(name, () => {
      const r = cli(["-", "--format", "json"], { input: text });
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      // An empty Dockerfile may earn a syntax finding (BuildKit refuses it) but never a crash.
      expect([0, 1]).toContain(r.status);
      const messages = jsonReport(r)[0].messages;
      expect(messages.every((m) => m.ruleId === "syntax")).toBe(true);
    });
  }

  it("--fix on an empty file leaves it empty", () => {
    const dir = tempTree({ Dockerfile: "" });
    const p = join(dir, "Dockerfile");
    cli([p, "--fix"]);
    expect(existsSync(p) && statSync(p).size).toBe(0);
  });
});

describe("no half-written file: a failure part-way through --fix", () => {
  it("a file refused after others were read leaves all of them as they were", () => {
    const dir = tempTree({ "a/Dockerfile": GOOD, "a/package.json": "{}", "z/Dockerfile": "" });
    writeFileSync(join(dir, "z", "Dockerfile"), Buffer.alloc(2 * 1024 * 1024, 0x23));
    oneLine(cli(["--fix", dir]), join(dir, "z", "Dockerfile"), /file too large/);
    expect(readFileSync(join(dir, "a", "Dockerfile"), "utf8")).toBe(GOOD);
  });
});
