import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, tempTree } from "../helpers/cli.js";
import { ROOT } from "../helpers/fixtures.js";
import { onlyRulesFile } from "./client.js";

/**
 * The command lines docs/editors.md gives, run as the editors run them:
 * the buffer on standard input, its path in --stdin-filename.
 */
const DOCS = readFileSync(join(ROOT, "docs", "editors.md"), "utf8");
const BAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const FIXED = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n";

/** The argument list of a documented command line, with the editor's placeholder for the file filled in. */
function documented(commandLine: string, placeholder: string, file: string): string[] {
  expect(DOCS).toContain(commandLine);
  return commandLine.split(" ").slice(1).map((w) => (w === placeholder ? file : w));
}

function codeBlock(marker: string): string {
  const block = DOCS.split("```").find((b) => b.includes(marker));
  if (!block) throw new Error(`no code block with ${marker} in docs/editors.md`);
  return block.slice(block.indexOf("\n") + 1);
}

const hasVim = spawnSync("vim", ["--version"], { encoding: "utf8" }).stdout?.includes("+eval") ?? false;

describe("editor command lines (docs/editors.md)", () => {
  it("--format gnu: one finding per line that error formats read", () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}" });
    const file = join(dir, "Dockerfile");
    // efm's and ALE's spellings of the same command.
    for (const [line, placeholder] of [
      ["layerlint --stdin --stdin-filename ${INPUT} --format gnu", "${INPUT}"],
      ["layerlint --stdin --stdin-filename path/to/Dockerfile --format gnu", "path/to/Dockerfile"],
    ]) {
      const r = cli(documented(line, placeholder, file), { input: BAD });
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3:1: warning: \`RUN npm ci\` re-runs .* \\[copy-before-install\\]\\n$`));
    }
  });

  it("--format json: exact ranges, and the configuration of the named file applies", () => {
    const dir = tempTree({ ".layerlintrc.yaml": onlyRulesFile({ "copy-before-install": "error" }), "svc/package.json": "{}", "svc/index.js": "" });
    const file = join(dir, "svc", "Dockerfile");
    const r = cli(documented("%e --stdin --stdin-filename %s --format json", "%s", file).slice(0), { input: BAD });
    expect(r.status).toBe(1);
    const [report] = JSON.parse(r.stdout);
    expect(report.filePath).toBe(file);
    expect(report.messages[0]).toMatchObject({ ruleId: "copy-before-install", severity: "error", line: 3, column: 1, endLine: 3, endColumn: 9 });
  });

  it("--fix-dry-run: the fixed text on standard output, nothing written", () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}" });
    const file = join(dir, "Dockerfile");
    writeFileSync(file, "unchanged on disk\n");
    const r = cli(documented("layerlint --stdin --stdin-filename %s --fix-dry-run", "%s", file), { input: BAD });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(FIXED);
    expect(readFileSync(file, "utf8")).toBe("unchanged on disk\n");
    // Already clean: the text comes back as it was, so a fixer on save changes nothing.
    expect(cli(["--stdin", "--stdin-filename", file, "--fix-dry-run"], { input: FIXED }).stdout).toBe(FIXED);
    const path = documented("layerlint --stdin --stdin-filename path/to/Dockerfile --fix-dry-run", "path/to/Dockerfile", file);
    expect(cli(path, { input: BAD }).stdout).toBe(FIXED);
  });

  it.skipIf(!hasVim)("Vim's errorformat from the docs reads the gnu output", () => {
    const dir = tempTree({ "package.json": "{}", ".layerlintrc.json": onlyRulesFile({ "copy-before-install": "info" }) });
    const file = join(dir, "Dockerfile");
    const info = cli(["--stdin", "--stdin-filename", file, "--format", "gnu"], { input: BAD }).stdout;
    const error = cli(["--stdin", "--stdin-filename", file, "--format", "gnu", "--rule", "copy-before-install=error"], { input: BAD }).stdout;
    const efm = /setlocal errorformat=(.*)/.exec(DOCS)?.[1];
    expect(efm).toBeDefined();
    const work = mkdtempSync(join(tmpdir(), "layerlint-vim-"));
    writeFileSync(join(work, "out.txt"), info + error);
    const script = [
      `execute 'setlocal errorformat=' . escape(${JSON.stringify((efm as string).replace(/\\ /g, " "))}, ' ')`,
      `cgetfile ${join(work, "out.txt")}`,
      `call writefile([json_encode(map(getqflist(), {_, e -> [e.lnum, e.col, e.type, e.valid]}))], '${join(work, "qf.json")}')`,
      "qall!",
    ].join("\n");
    writeFileSync(join(work, "test.vim"), script);
    const r = spawnSync("vim", ["-Nu", "NONE", "-i", "NONE", "-es", "-S", join(work, "test.vim")], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    const qf = JSON.parse(readFileSync(join(work, "qf.json"), "utf8")) as [number, number, string, number][];
    expect(qf).toEqual([
      [3, 1, "i", 1],
      [3, 1, "e", 1],
    ]);
  });

  it.skipIf(!hasVim)("the ALE handler from the docs turns the JSON output into ALE's items", () => {
    const dir = tempTree({ ".layerlintrc.json": onlyRulesFile(), "package.json": "{}" });
    const file = join(dir, "Dockerfile");
    const json = cli(["--stdin", "--stdin-filename", file, "--format", "json"], { input: BAD }).stdout;
    const work = mkdtempSync(join(tmpdir(), "layerlint-ale-"));
    // A stand-in for ALE's registration function: the test checks what the docs register.
    mkdirSync(join(work, "autoload", "ale"), { recursive: true });
    writeFileSync(join(work, "autoload", "ale", "linter.vim"), "let g:ale_defined = []\nfunction! ale#linter#Define(filetype, linter) abort\n  call add(g:ale_defined, [a:filetype, a:linter])\nendfunction\n");
    writeFileSync(join(work, "out.json"), json);
    writeFileSync(join(work, "ale.vim"), codeBlock("function! LayerlintAleHandle"));
    const script = [
      `set runtimepath^=${work}`,
      `source ${join(work, "ale.vim")}`,
      `let g:items = LayerlintAleHandle(1, readfile('${join(work, "out.json")}'))`,
      `let g:commands = map(copy(g:ale_defined), {_, d -> [d[1].name, d[1].command]})`,
      `call writefile([json_encode({'items': g:items, 'commands': g:commands, 'empty': LayerlintAleHandle(1, [])})], '${join(work, "result.json")}')`,
      "qall!",
    ].join("\n");
    writeFileSync(join(work, "test.vim"), script);
    const r = spawnSync("vim", ["-Nu", "NONE", "-i", "NONE", "-es", "-S", join(work, "test.vim")], { encoding: "utf8", timeout: 20_000 });
    expect(r.status, r.stderr + r.stdout).toBe(0);
    const result = JSON.parse(readFileSync(join(work, "result.json"), "utf8"));
    expect(result.items).toEqual([
      { lnum: 3, col: 1, end_lnum: 3, end_col: 8, type: "W", code: "copy-before-install", text: JSON.parse(json)[0].messages[0].message },
    ]);
    expect(result.empty).toEqual([]);
    expect(result.commands).toEqual([
      ["layerlint_lsp", "%e lsp --stdio"],
      ["layerlint", "%e --stdin --stdin-filename %s --format json"],
    ]);
  });

  it("`layerlint lsp --help` describes the server; an unknown flag is a usage error", () => {
    const help = cli(["lsp", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("layerlint lsp [--stdio");
    const bad = cli(["lsp", "--stdoi"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('layerlint: lsp: unknown argument "--stdoi" (layerlint lsp --help)\n');
  });
});
