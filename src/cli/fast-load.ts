import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { Script, constants } from "node:vm";
import type { LintArgs } from "./lint.js";

export interface FastBundle {
  runFast(args: LintArgs, workerScript: string): Promise<number>;
}

/**
 * Loads the CommonJS bundle of the lint command with a V8 code cache, the
 * largest single saving of start-up: compiling the bundle (and the functions
 * a run calls) is otherwise paid on every run. Node 22's
 * module.enableCompileCache() does the same for modules; Node 20 has only
 * vm.Script's cachedData, used here for every version alike.
 *
 * The cache lives in the user's cache directory (never next to the package,
 * which may be read-only or shared), keyed by the bundle's content hash and
 * the Node version; V8 rejects a cache that does not match and it is
 * rewritten. LAYERLINT_NO_CACHE=1 (or NODE_DISABLE_COMPILE_CACHE) turns it off.
 */
export function loadFastBundle(file: string, buildId: string): FastBundle {
  const source = readFileSync(file, "utf8");
  const cacheFile = cachePath(buildId);
  let cachedData: Buffer | undefined;
  if (cacheFile) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // no cache yet: it is written when this run ends
    }
  }
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const module = { exports: {} as FastBundle };
  const wrapper = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  wrapper(module.exports, createRequire(file), module, file, dirname(file));
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) {
    // Written at exit so that it holds the functions this run compiled, not only the top level.
    process.once("exit", () => writeCache(cacheFile, script));
  }
  return module.exports;
}

function cachePath(buildId: string): string | null {
  if (process.env.LAYERLINT_NO_CACHE || process.env.NODE_DISABLE_COMPILE_CACHE) return null;
  // XDG's default, ~/.cache; without a home directory there is no cache (node:os is not loaded for this).
  const home = process.env.HOME ?? process.env.USERPROFILE;
  const base = process.env.XDG_CACHE_HOME || (home ? join(home, ".cache") : null);
  if (!base) return null;
  return join(base, "layerlint", `cli-${buildId}-${process.version}-${process.arch}.v8cache`);
}

function writeCache(cacheFile: string, script: Script): void {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true, mode: 0o700 });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, cacheFile);
    // Caches of earlier builds are never read again.
    const dir = dirname(cacheFile);
    for (const name of readdirSync(dir)) {
      if (name.startsWith("cli-") && name.endsWith(".v8cache") && name !== basename(cacheFile)) rmSync(join(dir, name), { force: true });
    }
  } catch {
    // a cache that cannot be written only costs the next run some milliseconds
  }
}
