import { isAbsolute, relative, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { Finding } from "../engine/types.js";

/**
 * A report's path relative to the working directory, with `/` separators:
 * CI systems (GitHub code scanning, GitLab) match annotations against
 * repository-relative paths. Paths outside the working directory, and
 * names that are not paths (`<stdin>`), are returned as given.
 */
export function relativePath(filePath: string, cwd: string): string {
  if (filePath.startsWith("<")) return filePath;
  const rel = relative(cwd, resolve(cwd, filePath));
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return filePath.split(sep).join("/");
  return rel.split(sep).join("/");
}

/**
 * A SARIF artifact URI: relative to the working directory (with the
 * `%SRCROOT%` base) when the file is inside it, else an absolute file URI.
 */
export function artifactUri(filePath: string, cwd: string): { uri: string; uriBaseId?: string } {
  if (filePath.startsWith("<")) return { uri: encodeURIComponent(filePath) };
  const abs = resolve(cwd, filePath);
  const rel = relative(cwd, abs);
  if (rel === "" || rel.startsWith("..") || isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(sep).map(encodeURIComponent).join("/"), uriBaseId: "%SRCROOT%" };
}

/** 1-based start and end of a finding; the end column is exclusive, as in SARIF and the JSON format. */
export function oneBased(f: Finding): { line: number; column: number; endLine: number; endColumn: number } {
  return {
    line: f.range.start.line + 1,
    column: f.range.start.column + 1,
    endLine: f.range.end.line + 1,
    endColumn: f.range.end.column + 1,
  };
}
