import { execFileSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { UsageError } from "../errors.js";

/** One commit and the context files it changed (context-relative). */
export interface CommitChange {
  sha: string;
  subject: string;
  paths: string[];
}

export interface HistoryOptions {
  /** The build context directory. */
  context: string;
  /** The last N commits that touched the context. */
  commits?: number;
  /** Or every commit since this ref (`REF..HEAD`). */
  since?: string;
}

const git = (cwd: string, args: string[]): string => {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: string; code?: string };
    if (err.code === "ENOENT") throw new UsageError("git is not installed; layerlint impact reads the history with git", cwd);
    const first = (err.stderr ?? String(e)).trim().split("\n")[0];
    throw new UsageError(`git ${args[0]} failed: ${first}`, cwd);
  }
};

/**
 * The commits that touched the build context, newest first, with the
 * context files each changed. One `git log` call reads them all; merges
 * count by their first parent, as a branch's builds see them.
 */
export function readHistory(options: HistoryOptions): CommitChange[] {
  const context = resolve(options.context);
  const top = git(context, ["rev-parse", "--show-toplevel"]).trim();
  const ctxRel = relative(top, context).split("\\").join("/");
  const args = ["log", "--first-parent", "-m", "--no-renames", "--name-only", "--format=%x00%H%x09%s"];
  if (options.since) args.push(`${options.since}..HEAD`);
  else args.push("-n", String(options.commits ?? 50));
  args.push("--", ctxRel === "" ? "." : ctxRel);
  const out = git(top, args);
  const commits: CommitChange[] = [];
  for (const block of out.split("\0").slice(1)) {
    const lines = block.split("\n");
    const [sha, ...subject] = lines[0].split("\t");
    const paths = lines
      .slice(1)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((p) => (ctxRel === "" ? p : p.startsWith(ctxRel + "/") ? p.slice(ctxRel.length + 1) : null))
      .filter((p): p is string => p !== null);
    commits.push({ sha, subject: subject.join("\t"), paths });
  }
  return commits;
}
