import type { Finding, Severity } from "../engine/types.js";
import { relativePath } from "./paths.js";
import type { Formatter } from "./types.js";

/**
 * GitHub Actions workflow commands: each finding becomes an annotation on
 * the pull request's diff, e.g.
 * `::warning file=Dockerfile,line=3,col=1,endLine=3,endColumn=8,title=copy-before-install::message`.
 * Paths are relative to the working directory, which is the repository's
 * root in a usual workflow.
 */

const COMMAND: Readonly<Record<Severity, string>> = { error: "error", warning: "warning", info: "notice" };

/** GitHub's escaping of a command's message (toCommandValue/escapeData in @actions/core). */
export function escapeData(s: string): string {
  return s.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** GitHub's escaping of a command's property values: the data escapes plus `:` and `,`. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

const github: Formatter = (reports, ctx) => {
  const out: string[] = [];
  for (const r of reports) {
    const file = relativePath(r.filePath, ctx.cwd);
    for (const f of r.findings) {
      const props = Object.entries({ file, ...position(f), title: f.ruleId })
        .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
        .join(",");
      out.push(`::${COMMAND[f.severity]} ${props}::${escapeData(f.message)}`);
    }
  }
  return out.length > 0 ? out.join("\n") + "\n" : "";
};

/**
 * GitHub's annotation columns are 1-based and the end column is the last
 * annotated character (inclusive). A range that ends at the start of a
 * line ends, for GitHub, on the line before.
 */
function position(f: Finding): { line: number; col: number; endLine: number; endColumn?: number } {
  const { start, end } = f.range;
  const line = start.line + 1;
  const col = start.column + 1;
  if (end.line > start.line && end.column === 0) return { line, col, endLine: end.line };
  if (end.line === start.line) return { line, col, endLine: line, endColumn: Math.max(end.column, col) };
  return { line, col, endLine: end.line + 1, endColumn: end.column };
}

export default github;
