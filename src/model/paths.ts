import { posix } from "node:path";

/**
 * posix.resolve(dir, path) for a directory that is already absolute and
 * normalised (a WORKDIR, a `cd` target, a home directory: each one itself
 * the output of posix.resolve). Most paths in a Dockerfile are plain
 * (`/app`, `src/main`): no empty, `.` or `..` segment and no trailing
 * slash, which posix.resolve would leave as they are; those are joined
 * directly, without its normalisation pass, which is a measurable part of
 * building the model and of the shell effects of every RUN. Anything else
 * goes through posix.resolve.
 */
export function resolveIn(dir: string, path: string): string {
  if (!isPlain(path)) return posix.resolve(dir, path);
  if (path.charCodeAt(0) === 47) return path;
  return dir === "/" ? "/" + path : dir + "/" + path;
}

/** No empty, `.` or `..` segment, no trailing slash (so not `/` either), nothing starting with a dot: normalising changes nothing. */
export function isPlain(p: string): boolean {
  if (p === "" || p.charCodeAt(p.length - 1) === 47 || p.charCodeAt(0) === 46) return false;
  return !p.includes("//") && !p.includes("/.");
}

/**
 * posix.relative(dir, path) for two absolute, normalised paths when `path`
 * is `dir` or below it; null otherwise (where posix.relative would start
 * with `..`). A first segment that itself starts with `..` (`/app/..x`)
 * gives null too, as the `..` test on posix.relative's answer did.
 */
export function relativeUnder(dir: string, path: string): string | null {
  if (path === dir) return "";
  const prefix = dir === "/" ? 1 : dir.length + 1;
  if (path.length <= prefix || !path.startsWith(dir) || path.charCodeAt(prefix - 1) !== 47) return null;
  return path.startsWith("..", prefix) ? null : path.slice(prefix);
}
