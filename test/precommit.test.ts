import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { parse as parseYaml } from "yaml";
import { rules } from "../rules/index.js";
import { isDockerfileName } from "../src/cli/files.js";
import { fixSource } from "../src/lint.js";
import { ROOT } from "./helpers/fixtures.js";
import { GIT_ENV, git, snapshotRepository } from "./helpers/snapshot.js";

/**
 * The hooks in .pre-commit-hooks.yaml, run by the real pre-commit client
 * (Debian's package; .ci/run installs it). pre-commit installs a node hook
 * from a git repository: `npm install` there (dev dependencies too, which
 * runs `prepare`, the build), `npm pack`, then `npm install -g` of the
 * tarball. The working tree is copied into a fresh git repository and
 * committed there, because try-repo only carries tracked files' changes.
 */

const BAD = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
const CLEAN = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm ci\nCOPY . .\n";
const HOOKS = parseYaml(readFileSync(join(ROOT, ".pre-commit-hooks.yaml"), "utf8")) as { id: string; entry: string; language: string; files: string; exclude: string }[];

/** copy-before-install as an error and every other rule off: the hooks' outcome then depends on that rule alone. */
const CONFIG = JSON.stringify({ rules: Object.fromEntries(rules.map((r) => [r.id, r.id === "copy-before-install" ? "error" : "off"])) });

const preCommitFound = spawnSync("pre-commit", ["--version"], { encoding: "utf8" }).status === 0;

/** A git repository of a project that uses the hooks, files staged. */
function projectRepository(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-hooks-project-"));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  git(dir, "init", "-q");
  git(dir, "add", "-A");
  return dir;
}

interface Run {
  status: number;
  output: string;
  seconds: number;
}

/** Runs pre-commit; npm works from its cache where it can (every dependency is there after the project's own install). */
function preCommit(cwd: string, args: string[], home: string): Promise<Run> {
  const started = Date.now();
  return new Promise((done) => {
    execFile(
      "pre-commit",
      args,
      {
        cwd,
        encoding: "utf8",
        timeout: 540_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          ...GIT_ENV,
          PRE_COMMIT_HOME: home,
          PRE_COMMIT_COLOR: "never",
          npm_config_prefer_offline: "true",
          npm_config_audit: "false",
          npm_config_fund: "false",
          npm_config_update_notifier: "false",
        },
      },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        done({ status, output: `${stdout}${stderr}`, seconds: (Date.now() - started) / 1000 });
      },
    );
  });
}

describe(".pre-commit-hooks.yaml", () => {
  it("declares layerlint and layerlint-fix as node hooks", () => {
    expect(HOOKS.map((h) => h.id)).toEqual(["layerlint", "layerlint-fix"]);
    for (const h of HOOKS) expect(h.language).toBe("node");
    expect(HOOKS[0].entry).toBe("layerlint");
    expect(HOOKS[1].entry).toBe("layerlint --fix");
  });

  it("matches exactly the file names layerlint treats as Dockerfiles", () => {
    const names = [
      "Dockerfile", "sub/dir/Dockerfile", "Dockerfile.dev", "Dockerfile.prod.arm64", "api.Dockerfile", "x/web.dockerfile",
      "Containerfile", "Containerfile.test", "tools.Containerfile", "Dockerfile.dockerignore", "app.Dockerfile.dockerignore",
      "README.md", "Dockerfiles/readme.txt", "MyDockerfile", "dockerfile", "docker-compose.yml", "Dockerfile.", "a/Dockerfile/b.txt",
      "Dockerfile.template", "debian/Dockerfile.j2", "Dockerfile.in", "api.Dockerfile.tmpl", "Dockerfile~", "Dockerfile.orig", "Dockerfile.alpine.erb",
      "Dockerfile.internal", "Dockerfile.jinja-free", "Dockerfile.bake",
    ];
    for (const hook of HOOKS) {
      // pre-commit uses Python's re.search; these patterns mean the same in JavaScript.
      const files = new RegExp(hook.files);
      const exclude = new RegExp(hook.exclude);
      for (const name of names) expect(files.test(name) && !exclude.test(name), `${hook.id}: ${name}`).toBe(isDockerfileName(basename(name)));
    }
  });
});

describe("pre-commit, the real client", () => {
  it.skipIf(!preCommitFound && !process.env.CI)(
    "try-repo fails on a finding and passes a clean file; the fix hook rewrites and a second run passes",
    async () => {
      expect(preCommitFound, "pre-commit is not installed: apt-get install -y pre-commit").toBe(true);
      const repo = snapshotRepository("layerlint-hooks-repo-");
      const bad = projectRepository({ "svc/Dockerfile": BAD, "svc/package.json": "{}\n", ".layerlintrc.json": CONFIG, "README.md": "not a Dockerfile\n" });
      const clean = projectRepository({ Dockerfile: CLEAN, "package.json": "{}\n", ".layerlintrc.json": CONFIG });
      const fixing = projectRepository({
        "app.Dockerfile": BAD,
        "package.json": "{}\n",
        ".layerlintrc.json": CONFIG,
        // What a user writes: the README's snippet, pinned to the snapshot's commit.
        ".pre-commit-config.yaml": `repos:\n  - repo: ${repo.dir}\n    rev: ${repo.rev}\n    hooks:\n      - id: layerlint-fix\n      - id: layerlint\n`,
      });
      const home = mkdtempSync(join(tmpdir(), "layerlint-hooks-home-"));
      onTestFinished(() => {
        // The installed hook environment alone is tens of megabytes.
        for (const dir of [repo.dir, bad, clean, fixing, home]) rmSync(dir, { recursive: true, force: true });
      }, 120_000);

      // Each try-repo installs the hook afresh in a store of its own; the three installs run side by side.
      const [failing, passing, fixed] = await Promise.all([
        preCommit(bad, ["try-repo", repo.dir, "layerlint", "--ref", repo.rev, "--all-files"], home),
        preCommit(clean, ["try-repo", repo.dir, "layerlint", "--ref", repo.rev, "--all-files"], home),
        preCommit(fixing, ["run", "layerlint-fix", "--all-files"], home),
      ]);
      console.log(`pre-commit: try-repo (finding) ${failing.seconds}s, try-repo (clean) ${passing.seconds}s, run layerlint-fix ${fixed.seconds}s, in parallel`);

      expect(failing.status, failing.output).toBe(1);
      expect(failing.output).toMatch(/layerlint\.+Failed/);
      expect(failing.output).toContain("svc/Dockerfile:3:1  error");
      expect(failing.output).toContain("copy-before-install");

      expect(passing.status, passing.output).toBe(0);
      expect(passing.output).toMatch(/layerlint\.+Passed/);

      // The fix hook rewrote the file, so pre-commit fails this run (as for any formatter)...
      expect(fixed.status, fixed.output).toBe(1);
      expect(fixed.output).toContain("files were modified by this hook");
      const expected = fixSource(BAD, { rules: rules.filter((r) => r.id === "copy-before-install"), filePath: join(fixing, "app.Dockerfile"), config: null }).output;
      expect(expected).not.toBe(BAD);
      expect(readFileSync(join(fixing, "app.Dockerfile"), "utf8")).toBe(expected);
      // ...and the next run, with both hooks, passes and changes nothing.
      const again = await preCommit(fixing, ["run", "--all-files"], home);
      console.log(`pre-commit: second run (installed) ${again.seconds}s`);
      expect(again.status, again.output).toBe(0);
      expect(again.output).toMatch(/layerlint \(fix\)\.+Passed/);
      expect(again.output).toMatch(/layerlint\.+Passed/);
      expect(readFileSync(join(fixing, "app.Dockerfile"), "utf8")).toBe(expected);
    },
    600_000,
  );
});
