import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** One scripted commit: files to write (null deletes), modes to set, a message. */
export interface ScriptedCommit {
  message: string;
  write?: Record<string, string | null>;
  chmod?: Record<string, number>;
}

const run = (cwd: string, args: string[]): string => execFileSync("git", args, { cwd, encoding: "utf8" });

/** A temporary git repository built commit by commit; returns its path and the commit ids, oldest first. */
export function scriptedRepo(commits: readonly ScriptedCommit[]): { dir: string; shas: string[] } {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-git-"));
  run(dir, ["init", "-q", "-b", "main"]);
  run(dir, ["config", "user.email", "test@example.com"]);
  run(dir, ["config", "user.name", "test"]);
  run(dir, ["config", "commit.gpgsign", "false"]);
  const shas: string[] = [];
  for (const c of commits) {
    for (const [path, content] of Object.entries(c.write ?? {})) {
      const p = join(dir, path);
      if (content === null) rmSync(p, { force: true });
      else {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, content);
      }
    }
    for (const [path, mode] of Object.entries(c.chmod ?? {})) chmodSync(join(dir, path), mode);
    run(dir, ["add", "-A"]);
    run(dir, ["commit", "-q", "--allow-empty", "-m", c.message]);
    shas.push(run(dir, ["rev-parse", "HEAD"]).trim());
  }
  return { dir, shas };
}

/** The tree of a commit, extracted into a new directory. */
export function checkout(repo: string, sha: string): string {
  const out = mkdtempSync(join(tmpdir(), "layerlint-tree-"));
  const tar = execFileSync("git", ["archive", sha], { cwd: repo, maxBuffer: 64 * 1024 * 1024 });
  execFileSync("tar", ["-x", "-C", out], { input: tar });
  return out;
}
