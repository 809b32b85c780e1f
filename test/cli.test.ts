import { chmodSync, readFileSync, statSync, symlinkSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { cli as runCli, tempTree } from "./helpers/cli.js";

/**
 * These tests pin the CLI's contract with one rule; every other rule is
 * turned off so that new rules do not change their expectations.
 */
const ONLY = rules.filter((r) => r.id !== "copy-before-install").flatMap((r) => ["--rule", `${r.id}=off`]);
const cli = (args: string[], opts?: Parameters<typeof runCli>[1]) => runCli(args[0] === "--list-rules" || args[0] === "--version" ? args : [...args, ...ONLY], opts);

const BAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const CLEAN = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n";

describe("CLI: exit codes and the JSON contract", () => {
  it("exits 0 on warnings and reports them in stylish form", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
    const r = cli([join(dir, "Dockerfile")]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("Dockerfile:3:1  warning");
    expect(r.stdout).toContain("copy-before-install");
    expect(r.stdout).toContain("    3 | COPY . .");
  });

  it("exits 1 when warnings exceed --max-warnings, or on errors", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
    expect(cli([join(dir, "Dockerfile"), "--max-warnings", "0"]).status).toBe(1);
    expect(cli([join(dir, "Dockerfile"), "--max-warnings", "1"]).status).toBe(0);
    expect(cli([join(dir, "Dockerfile"), "--rule", "copy-before-install=error"]).status).toBe(1);
  });

  it("prints the JSON contract", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
    const r = cli([dir, "--format", "json"]);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toHaveLength(1);
    expect(Object.keys(out[0]).sort()).toEqual(["builds", "errorCount", "filePath", "infoCount", "messages", "warningCount"]);
    expect(out[0].filePath).toBe(join(dir, "Dockerfile"));
    const m = out[0].messages[0];
    expect(m).toMatchObject({ ruleId: "copy-before-install", severity: "warning", line: 3, column: 1, endLine: 3, endColumn: 9 });
    expect(m.fix.safety).toBe("safe");
    expect(out[0].warningCount).toBe(1);
  });

  it("searches a directory for Dockerfiles but not for templates or editor leftovers, which it lints when named", () => {
    const template = "FROM {{ .base }}\n{{ range .steps }}RUN {{ . }}\n{{ end }}\n";
    const dir = tempTree({ Dockerfile: CLEAN, "Dockerfile.dev": BAD, "Dockerfile.template": template, "Dockerfile.j2": template, "Dockerfile~": BAD, "package.json": "{}" });
    const out = JSON.parse(cli([dir, "--format", "json"]).stdout) as { filePath: string }[];
    expect(out.map((f) => f.filePath.slice(dir.length + 1)).sort()).toEqual(["Dockerfile", "Dockerfile.dev"]);
    // Named on the command line, a template is linted: BuildKit would refuse it.
    const named = runCli([join(dir, "Dockerfile.template"), "--format", "json"]);
    expect(named.status).toBe(1);
    expect(JSON.parse(named.stdout)[0].messages[0].ruleId).toBe("syntax");
  });

  it("refuses --fix-unsafe without --fix or --fix-dry-run, which would change nothing", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
    const r = cli([join(dir, "Dockerfile"), "--fix-unsafe"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--fix-unsafe works with --fix or --fix-dry-run");
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe(BAD);
  });

  it("reads standard input with - and --stdin-filename", () => {
    const r = cli(["-", "--stdin-filename", "svc/Dockerfile", "--format", "json"], { input: BAD });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)[0].filePath).toBe("svc/Dockerfile");
    const r2 = cli(["--stdin"], { input: CLEAN });
    expect(r2.status).toBe(0);
    expect(r2.stdout).toBe("");
  });

  it("--fix-dry-run on stdin prints the fixed text; on a file a diff, writing nothing", () => {
    const r = cli(["-", "--fix-dry-run"], { input: BAD });
    expect(r.stdout).toBe("FROM node:20\nWORKDIR /app\nCOPY package.json package-lock.json* npm-shrinkwrap.json* .npmrc* ./\nRUN npm ci\nCOPY . .\n");
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
    const d = cli([join(dir, "Dockerfile"), "--fix-dry-run"]);
    expect(d.stdout).toContain("-COPY . .");
    expect(d.stdout).toContain("+COPY . .");
    expect(readFileSync(join(dir, "Dockerfile"), "utf8")).toBe(BAD);
  });

  it("--fix writes the file, keeps its mode, and a second --fix changes nothing", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
    const p = join(dir, "Dockerfile");
    chmodSync(p, 0o640);
    expect(cli([p, "--fix"]).status).toBe(0);
    const fixed = readFileSync(p, "utf8");
    expect(fixed).toBe("FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n");
    expect(statSync(p).mode & 0o777).toBe(0o640);
    cli([p, "--fix"]);
    expect(readFileSync(p, "utf8")).toBe(fixed);
  });

  it("keeps a BOM and CRLF line endings through --fix", () => {
    const crlf = "\uFEFF" + BAD.replace(/\n/g, "\r\n");
    const dir = tempTree({ Dockerfile: crlf, "package.json": "{}" });
    const p = join(dir, "Dockerfile");
    cli([p, "--fix"]);
    const out = readFileSync(p, "utf8");
    expect(out.startsWith("\uFEFF")).toBe(true);
    expect(out.replace(/\r\n/g, "")).not.toContain("\n");
    expect(out).toContain("RUN npm ci\r\nCOPY . .\r\n");
  });

  it("a CRLF file reports the same columns as its LF twin", () => {
    const a = JSON.parse(cli(["-", "--format", "json"], { input: BAD }).stdout)[0].messages;
    const b = JSON.parse(cli(["-", "--format", "json"], { input: "\uFEFF" + BAD.replace(/\n/g, "\r\n") }).stdout)[0].messages;
    expect(b.map((m: { line: number; column: number; endColumn: number }) => [m.line, m.column, m.endColumn])).toEqual(
      a.map((m: { line: number; column: number; endColumn: number }) => [m.line, m.column, m.endColumn]),
    );
  });

  it("--list-rules and --version", () => {
    const r = cli(["--list-rules"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^copy-before-install\s+warning\s+safe/m);
    expect(cli(["--version"]).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("honours configuration files and --rule", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}", ".layerlintrc.json": JSON.stringify({ rules: { "copy-before-install": "off" } }) });
    expect(cli([dir, "--format", "json"]).stdout).toContain('"messages": []');
    expect(JSON.parse(cli([dir, "--format", "json", "--rule", "copy-before-install=error"]).stdout)[0].errorCount).toBe(1);
  });
});

describe("CLI: bad input gives one line naming the path, exit 2", () => {
  const oneLine = (r: { status: number | null; stderr: string }, path: string, problem: RegExp): void => {
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toMatch(problem);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  };

  it("missing path", () => oneLine(cli(["/no/such/Dockerfile"]), "/no/such/Dockerfile", /no such file/));
  it("directory without Dockerfiles", () => {
    const dir = tempTree({ "README.md": "x" });
    oneLine(cli([dir]), dir, /no Dockerfile found/);
  });
  it("binary file", () => {
    const dir = tempTree({ Dockerfile: Buffer.from([0x46, 0x52, 0x00, 0x01]) });
    oneLine(cli([join(dir, "Dockerfile")]), join(dir, "Dockerfile"), /binary/);
  });
  it("unreadable file", () => {
    if (process.getuid?.() === 0) {
      // root reads any file: a FIFO-less stand-in is a directory entry that is not readable as a file
      const dir = tempTree({});
      mkdirSync(join(dir, "Dockerfile"));
      oneLine(cli([join(dir, "Dockerfile"), "--stdin-filename", "x"]), join(dir, "Dockerfile"), /no Dockerfile found|is a directory/);
      return;
    }
    const dir = tempTree({ Dockerfile: BAD });
    chmodSync(join(dir, "Dockerfile"), 0);
    oneLine(cli([join(dir, "Dockerfile")]), join(dir, "Dockerfile"), /permission denied/);
  });
  it("invalid configuration names the file and the key", () => {
    const dir = tempTree({ Dockerfile: BAD, ".layerlintrc.json": JSON.stringify({ rules: { "copy-before-install": "loud" } }) });
    oneLine(cli([dir]), ".layerlintrc.json", /rules\.copy-before-install/);
  });
  it("malformed JSON configuration", () => {
    const dir = tempTree({ Dockerfile: BAD, ".layerlintrc.json": "{ rules: " });
    oneLine(cli([dir]), ".layerlintrc.json", /invalid JSON/);
  });
  it("symlink loop in a directory walk", () => {
    const dir = tempTree({ "a/Dockerfile": BAD });
    symlinkSync(join(dir, "a"), join(dir, "a", "loop"));
    oneLine(cli([dir]), join(dir, "a", "loop"), /symbolic link loop/);
  });
  it("unknown option", () => {
    const r = cli(["--no-such-option", "x"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
  it("an unknown rule in configuration is a warning, not a failure", () => {
    const dir = tempTree({ Dockerfile: CLEAN, ".layerlintrc.json": JSON.stringify({ rules: { "no-such-rule": "error" } }) });
    const r = cli([dir]);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/unknown rule "no-such-rule"/);
  });
  it("an empty file is an error, as for BuildKit: a file with no instructions", () => {
    const dir = tempTree({ Dockerfile: "" });
    // Every rule on: the syntax rule reports it.
    const r = runCli([join(dir, "Dockerfile"), "--format", "json"]);
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)[0].messages).toEqual([expect.objectContaining({ ruleId: "syntax", severity: "error", line: 1, message: expect.stringMatching(/^file with no instructions/) })]);
  });
});

describe("CLI: the same conventions in every command", () => {
  it("layerlint with no path lints the current directory", () => {
    const dir = tempTree({ Dockerfile: BAD, "package.json": "{}" });
    const r = cli(["--format", "json"], { cwd: dir });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)[0].filePath).toMatch(/Dockerfile$/);
    // The yargs path (an option the fast path leaves to yargs) does the same.
    expect(JSON.parse(cli(["--format", "json", "--max-warnings", "100"], { cwd: dir }).stdout)).toHaveLength(1);
  });

  it("--print-config without a file says what it needs", () => {
    const r = cli(["--print-config"]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--print-config needs a file");
  });

  it("an unknown rule id in configuration or --rule suggests the nearest known id", () => {
    const dir = tempTree({ Dockerfile: CLEAN, ".layerlintrc.json": JSON.stringify({ rules: { "copy-befor-install": "error" } }) });
    expect(cli([dir]).stderr).toContain('unknown rule "copy-befor-install" at "rules.copy-befor-install" (ignored); did you mean "copy-before-install"?');
    const r = cli([dir, "--rule", "syntaks=off"]);
    expect(r.stderr).toContain('--rule: unknown rule "syntaks" (ignored); did you mean "syntax"?');
    // Nothing near enough: no guess.
    expect(cli([dir, "--rule", "foo=off"]).stderr).toContain('--rule: unknown rule "foo" (ignored)\n');
  });

  it("explain takes -f and defaults to ./Dockerfile; --changed naming a missing path warns", () => {
    const dir = tempTree({ Dockerfile: "FROM alpine\nCOPY app.txt /app.txt\nRUN cat /app.txt\n", "app.txt": "x" });
    const r = runCli(["explain", "-f", "json", "--changed", "app.txt"], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).instructions.length).toBeGreaterThan(0);
    const typo = runCli(["explain", "-f", "json", "--changed", "ap.txt"], { cwd: dir });
    expect(typo.status).toBe(0);
    expect(typo.stderr).toMatch(/^layerlint: warning: --changed ap\.txt: no such path in the build context/);
  });

  it("impact refuses a path that is not a Dockerfile, in one line", () => {
    const dir = tempTree({ "README.md": "# a project\n\nNothing to build here.\n" });
    const r = runCli(["impact", join(dir, "README.md")]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("not a Dockerfile");
    expect(r.stdout).toBe("");
  });
});
