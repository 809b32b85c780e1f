import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "./helpers/fixtures.js";
import { snapshotRepository } from "./helpers/snapshot.js";

/**
 * The install paths README.md documents, run as written into an empty
 * prefix (`npm install -g --prefix DIR`): a checkout, and the tarball
 * `npm pack` makes of it. Each installed `layerlint --version` must answer
 * with package.json's version. The checkout is a copy of the repository's
 * files (so `prepare`, which builds, does not touch the dist/ other tests
 * use), with the repository's node_modules for the build tools.
 */

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const README = readFileSync(join(ROOT, "README.md"), "utf8");
const NPM_QUIET = ["--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"];
const temporary: string[] = [];

afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

function checkout(): string {
  const { dir } = snapshotRepository("layerlint-install-");
  temporary.push(dir);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return dir;
}

function emptyPrefix(): string {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-prefix-"));
  temporary.push(dir);
  return dir;
}

function installedVersion(prefix: string): string {
  const bin = join(prefix, "bin", "layerlint");
  expect(existsSync(bin), bin).toBe(true);
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe("the documented install paths", () => {
  it("names the version everywhere it is pinned: the tarball, the git tag, the pre-commit rev, CHANGELOG.md", () => {
    expect(README).toContain(`npm install -g ./layerlint-${VERSION}.tgz`);
    expect(README).toContain(`#v${VERSION}\``);
    const revs = [...README.matchAll(/^\s*rev: (\S+)$/gm)].map((m) => m[1]);
    expect(revs.length).toBeGreaterThan(0);
    for (const rev of revs) expect(rev).toBe(`v${VERSION}`);
    expect(readFileSync(join(ROOT, "CHANGELOG.md"), "utf8")).toMatch(new RegExp(`^## \\[?${VERSION.replace(/\./g, "\\.")}\\]?$`, "m"));
    // The registry has no such package: no snippet may install it from there.
    for (const text of [README, readFileSync(join(ROOT, "docs/editors.md"), "utf8")]) expect(text).not.toMatch(/npm (install|i) (-g )?layerlint\b/);
  });

  it("npm install -g <checkout> into an empty prefix gives a working layerlint", () => {
    const dir = checkout();
    const prefix = emptyPrefix();
    execFileSync("npm", ["install", "-g", "--prefix", prefix, ...NPM_QUIET, dir], { stdio: ["ignore", "pipe", "pipe"] });
    expect(installedVersion(prefix)).toBe(VERSION);
  }, 900_000);

  it("npm pack, then npm install -g <tarball> into an empty prefix gives a working layerlint", () => {
    const dir = checkout();
    const out = emptyPrefix();
    const json = execFileSync("npm", ["pack", "--json", "--pack-destination", out, ...NPM_QUIET], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const [{ filename }] = JSON.parse(json) as { filename: string }[];
    expect(filename).toBe(`layerlint-${VERSION}.tgz`);
    const prefix = emptyPrefix();
    execFileSync("npm", ["install", "-g", "--prefix", prefix, ...NPM_QUIET, join(out, filename)], { stdio: ["ignore", "pipe", "pipe"] });
    expect(installedVersion(prefix)).toBe(VERSION);
  }, 900_000);
});
