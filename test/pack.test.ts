import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { ROOT } from "./helpers/fixtures.js";
import { snapshotRepository } from "./helpers/snapshot.js";

/**
 * The published package: `npm pack` of a copy of the repository (so the
 * build that `prepare` runs does not replace the dist/ other tests use),
 * installed into an empty folder without dev dependencies, then run as a
 * user would: the CLI, the library, and the types from a TypeScript consumer.
 */

const BAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const NPM_QUIET = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string; size: number }[];
}

let packed: PackResult;
let tarball: string;
let installDir: string;
const temporary: string[] = [];

beforeAll(() => {
  const { dir } = snapshotRepository("layerlint-pack-");
  // The snapshot builds with the repository's own tools: dev dependencies are not part of what is tested here.
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  const out = mkdtempSync(join(tmpdir(), "layerlint-tarball-"));
  temporary.push(dir, out);
  const json = execFileSync("npm", ["pack", "--json", "--pack-destination", out, ...NPM_QUIET], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  packed = (JSON.parse(json) as PackResult[])[0];
  tarball = join(out, packed.filename);
  console.log(`npm pack: ${packed.filename} ${(packed.size / 1024).toFixed(0)} KiB packed, ${(packed.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${packed.files.length} files`);

  installDir = mkdtempSync(join(tmpdir(), "layerlint-consumer-"));
  temporary.push(installDir);
  writeFileSync(join(installDir, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true, type: "module" }));
  execFileSync("npm", ["install", "--omit=dev", ...NPM_QUIET, tarball], { cwd: installDir, stdio: ["ignore", "pipe", "pipe"] });
}, 300_000);

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe("the npm package", () => {
  it("ships the CLI, the bundle, the types, the docs and the rules' READMEs, and nothing else", () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of ["package.json", "README.md", "bin/layerlint.cjs", "dist/cli.js", "dist/index.js", "dist/types/src/index.d.ts", "docs/rules.md", ".pre-commit-hooks.yaml"]) {
      expect(paths, needed).toContain(needed);
    }
    for (const rule of rules) expect(paths).toContain(`rules/${rule.id}/README.md`);
    const allowed = /^(package\.json|README\.md|LICENSE|\.pre-commit-hooks\.yaml|bin\/layerlint\.cjs|dist\/.+\.([cm]?js|d\.ts)|docs\/.+\.md|rules\/[a-z0-9-]+\/README\.md)$/;
    expect(paths.filter((p) => !allowed.test(p))).toEqual([]);
    expect(paths.some((p) => p.includes("fixtures") || p.startsWith("src/") || p.startsWith("test/"))).toBe(false);
    // The whole package stays small: it is downloaded for every pre-commit environment and CI run.
    expect(packed.unpackedSize).toBeLessThan(8 * 1024 * 1024);
  });

  it("installs into an empty folder without dev dependencies, and its CLI runs", () => {
    const bin = join(installDir, "node_modules", ".bin", "layerlint");
    const version = spawnSync(bin, ["--version"], { cwd: installDir, encoding: "utf8" });
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(VERSION);

    writeFileSync(join(installDir, "Dockerfile"), BAD);
    const lint = spawnSync(bin, ["--no-color", "--rule", "copy-before-install=error", "Dockerfile"], { cwd: installDir, encoding: "utf8" });
    expect(lint.status, lint.stderr).toBe(1);
    expect(lint.stdout).toContain("Dockerfile:3:1  error");
    expect(lint.stdout).toContain("copy-before-install");
    // A lazily loaded format chunk is in the package too.
    const sarif = spawnSync(bin, ["-f", "sarif", "Dockerfile"], { cwd: installDir, encoding: "utf8" });
    expect(sarif.status, sarif.stderr).toBe(0);
    expect(JSON.parse(sarif.stdout).runs[0].results.some((r: { ruleId: string }) => r.ruleId === "copy-before-install")).toBe(true);
    const dev = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).devDependencies as Record<string, string>;
    const installed = spawnSync("npm", ["ls", "--all", "--parseable"], { cwd: installDir, encoding: "utf8" }).stdout;
    for (const name of ["typescript", "vitest", "esbuild", "eslint"]) {
      expect(dev[name], name).toBeDefined();
      expect(installed).not.toContain(`node_modules/${name}\n`);
    }
  });

  it("works as a library from the installed package", () => {
    const script = `
      import { lint, applyFixes, rules } from "layerlint";
      const text = ${JSON.stringify(BAD)};
      const { findings } = lint(text, { config: null, context: null });
      const { output } = applyFixes(text, { config: null, context: null });
      console.log(JSON.stringify({ ids: findings.map((f) => f.ruleId), rules: rules.length, changed: output !== text }));`;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: installDir, encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ids: expect.arrayContaining(["copy-before-install"]), rules: rules.length, changed: true });
  });

  it("its types resolve for a TypeScript consumer, and they are not `any`", () => {
    writeFileSync(
      join(installDir, "consumer.ts"),
      `import { lint, applyFixes, rules, type AnyRule, type Finding, type LintResult, type Severity } from "layerlint";
const result: LintResult = lint("FROM alpine\\n", { filePath: "Dockerfile", config: null, context: null });
const findings: readonly Finding[] = result.findings;
const where: number | undefined = findings[0]?.range.start.line;
const fixed: string = applyFixes("FROM alpine\\n", { unsafe: false }).output;
const ids: string[] = rules.map((r: AnyRule) => r.id);
const level: Severity = "warning";
// @ts-expect-error a severity is one of a closed set
const wrong: Severity = "fatal";
// @ts-expect-error lint takes text, not a number
lint(42);
export { where, fixed, ids, level, wrong };
`,
    );
    writeFileSync(
      join(installDir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", skipLibCheck: false, typeRoots: [join(ROOT, "node_modules", "@types")], types: ["node"] },
        files: ["consumer.ts"],
      }),
    );
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", installDir], { cwd: installDir, encoding: "utf8" });
    expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
  });
});
