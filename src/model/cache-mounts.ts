import { posix } from "node:path";
import { findSystemCommands, installSkipsCache, type SystemPackageManager } from "../ecosystems/system.js";
import type { CacheMountSpec, Ecosystem } from "../ecosystems/index.js";
import type { Instruction, Mount } from "../parse/index.js";
import type { CacheModel } from "./index.js";
import { cacheFlagDir, homeOf, nonRootUser, runEffects, type VariableNames } from "./reads.js";
import type { ShellCommand } from "./shell.js";

/**
 * Which package-manager caches a RUN fills without a `--mount=type=cache`
 * that keeps them between builds: when such a step re-runs (its layer was
 * invalidated), it downloads or compiles everything again.
 */
export interface UncachedTool {
  /** The ecosystem or system package manager id (`npm`, `apt`). */
  id: string;
  /** What users call it, for messages. */
  name: string;
  /** The first command that uses the cache. */
  command: ShellCommand;
  /** The mounts that would keep its cache: the package-manager tables' targets, moved to the home directory or the directory a flag names. */
  mounts: readonly CacheMountSpec[];
  /** The USER it runs as when not root: a cache mount is root's unless `uid=` and `gid=` give it to that user. */
  user: string | null;
  /** A command the RUN must run first for the mount to work (apt's docker-clean removal), or null. */
  setup: string | null;
  /**
   * No fix can be sure: the cache location is not the table's default (a
   * non-root USER, ENV HOME, an option or a variable that moves it), or
   * the setup would need root (apt's under a non-root USER, through sudo).
   */
  targetUncertain: boolean;
  /**
   * The RUN deletes the cache itself (`npm cache clean`, `apt-get clean`,
   * `rm -rf /root/.npm`): with a mount added, that cleanup would empty the
   * mount on every run, so it has to go too.
   */
  cleansCache: boolean;
}

/** Whether a cache mount of the RUN holds one of the tool's cache directories (given normalised). */
function covered(mounts: readonly Mount[], dirs: readonly string[]): boolean {
  // Most RUNs have no mount at all.
  if (mounts.length === 0) return false;
  const targets = mounts.filter((m) => m.type === "cache" && m.target).map((m) => normalize(m.target as string));
  return dirs.some((dir) => {
    // The same cache under another user's home (`/home/node/.npm` for `/root/.npm`) counts too.
    const inHome = dir.startsWith("/root/") ? dir.slice("/root".length) : null;
    return targets.some((t) => overlaps(t, dir) || (inHome !== null && t.endsWith(inHome)));
  });
}

function normalize(path: string): string {
  return posix.normalize(path).replace(/(?<!\/)\/+$/, "") || "/";
}

/** One path holds the other (a mount of `/root/.cache` covers pip's `/root/.cache/pip`, and the reverse). */
function overlaps(a: string, b: string): boolean {
  return a === b || a.startsWith(b + "/") || b.startsWith(a + "/");
}

/** Whether a variable is set for the RUN: by ENV (or a parent stage) or on the command line. */
function isSet(name: string, env: VariableNames, script: string): boolean {
  if (env.includes(name)) return true;
  let assigned = assignmentPatterns.get(name);
  if (!assigned) assignmentPatterns.set(name, (assigned = new RegExp(`(^|[\\s;&|(])${name}=`)));
  return assigned.test(script);
}

// One pattern per variable name. The names come from the package-manager
// tables, never from the files linted, so the map stays small.
const assignmentPatterns = new Map<string, RegExp>();

/** A tool's cache directories (its own and its mounts' targets), normalised, with the index-only ones. */
interface CacheDirs {
  normalized: readonly string[];
  /** Normalised directories that hold only a package index (apt's lists), not the packages. */
  indexOnly: readonly string[];
}

// Worked out once per row of the package-manager tables (static data), not for every RUN.
const cacheDirsByTool = new WeakMap<object, CacheDirs>();

function cacheDirsOf(tool: Ecosystem | SystemPackageManager): CacheDirs {
  let found = cacheDirsByTool.get(tool);
  if (!found) {
    const dirs = [...tool.cacheDirs, ...tool.cacheMounts.map((m) => m.target)];
    const indexOnly = "indexDirs" in tool ? tool.indexDirs.filter((i) => !tool.cacheDirs.includes(i)) : [];
    found = { normalized: dirs.map(normalize), indexOnly: indexOnly.map(normalize) };
    cacheDirsByTool.set(tool, found);
  }
  return found;
}

export function uncachedTools(model: CacheModel, ins: Instruction): UncachedTool[] {
  if (ins.keyword !== "RUN") return [];
  const info = model.info(ins);
  const script = model.script(ins);
  const scope = info?.inputs.scope;
  const env: VariableNames = scope ? { includes: (name) => scope.env.has(name) } : [];
  const out: UncachedTool[] = [];
  const seen = new Set<string>();
  // Read only for a tool that is reported: most RUNs have none.
  let deleted: string[] | null = null;
  // Deleting only a package index (`rm -rf /var/lib/apt/lists/*`) costs a refetch of the index, not of the packages.
  const cleans = ({ normalized: dirs, indexOnly }: CacheDirs): boolean =>
    (deleted ??= runEffects(model, ins).deleted.map((d) => normalize(d.path.replace(/\/?\*[\s\S]*$/, "")))).some((d) => dirs.some((c) => overlaps(d, c)) && !indexOnly.some((i) => overlaps(d, i) && !dirs.some((c) => c === d)));

  for (const install of model.installs(ins)) {
    const eco: Ecosystem = install.ecosystem;
    // A one-off tool install (`npm install -g x`, `pip install flask`) is not a project's dependencies.
    if (install.readsManifests === false && !install.builds) continue;
    // `bundle --version` prints and exits; `--offline` and pip's `--no-index` read only what is already on disk.
    if (install.command.words.some((w) => w === "--version" || w === "--help" || w === "--offline" || w === "--no-index")) continue;
    if (install.noCache || eco.noCacheEnv.some((e) => isSet(e.split("=")[0], env, script))) continue;
    if (eco.cacheMounts.length === 0 || seen.has(eco.id)) continue;
    seen.add(eco.id);
    const dirs = cacheDirsOf(eco);
    if (covered(ins.mounts, dirs.normalized)) continue;
    const flagDir = cacheFlagDir(install.command.words);
    const moved = flagDir !== undefined || eco.cacheMounts.some((m) => m.env !== undefined && isSet(m.env, env, script));
    // Where a variable or a flag moved the cache, any cache mount may be the one that holds it.
    if (moved && ins.mounts.some((m) => m.type === "cache")) continue;
    const home = homeOf(info?.inputs.user, scope?.env.get("HOME"));
    const user = nonRootUser(info?.inputs.user);
    // The tables name root's home; the cache is under the home the tool sees, or where the flag puts it.
    const mounts =
      flagDir !== undefined && flagDir !== null
        ? [{ ...eco.cacheMounts[0], target: flagDir }]
        : home !== null && home !== "/root"
          ? eco.cacheMounts.map((m) => (m.target.startsWith("/root/") ? { ...m, target: home + m.target.slice("/root".length) } : m))
          : eco.cacheMounts;
    out.push({ id: eco.id, name: eco.name, command: install.command, mounts, user, setup: null, targetUncertain: home !== "/root" || user !== null || moved, cleansCache: cleans(dirs) });
  }

  for (const cmd of findSystemCommands(script)) {
    const manager: SystemPackageManager = cmd.manager;
    if (cmd.action !== "install" || installSkipsCache(cmd) || seen.has(manager.id)) continue;
    seen.add(manager.id);
    if (manager.cacheMounts.length === 0) continue;
    const dirs = cacheDirsOf(manager);
    if (covered(ins.mounts, dirs.normalized)) continue;
    // Under a non-root USER the manager runs through sudo: the setup (apt's docker-clean removal) would need it too.
    const setupNeedsRoot = manager.cacheMountSetup !== null && nonRootUser(info?.inputs.user) !== null;
    out.push({ id: manager.id, name: manager.id, command: cmd.command, mounts: manager.cacheMounts, user: null, setup: manager.cacheMountSetup, targetUncertain: setupNeedsRoot, cleansCache: cleans(dirs) });
  }
  return out;
}
