import { createRequire } from "node:module";
import type picocolors from "picocolors";
import type { Finding } from "../engine/types.js";
import type { Formatter } from "./types.js";
import { counts } from "./types.js";

/**
 * `path:line:col  severity  message  rule-id`, then the source line with
 * the range underlined, then a summary.
 */
const stylish: Formatter = (reports, ctx) => {
  const c = ctx.color ? colors() : PLAIN;
  const out: string[] = [];
  const total = { errorCount: 0, warningCount: 0, infoCount: 0 };
  for (const r of reports) {
    const lines = r.text?.split("\n") ?? null;
    for (const f of r.findings) {
      const where = `${r.filePath}:${f.range.start.line + 1}:${f.range.start.column + 1}`;
      const sev = f.severity === "error" ? c.red("error") : f.severity === "warning" ? c.yellow("warning") : c.blue("info");
      const fixMark = f.fix ? c.dim(f.fix.safety === "safe" ? " (fixable)" : " (fixable with --fix-unsafe)") : "";
      out.push(`${c.bold(where)}  ${sev}  ${f.message}  ${c.dim(f.ruleId)}${fixMark}`);
      if (lines) out.push(...excerpt(lines, f, c.red));
    }
    const n = counts(r.findings);
    total.errorCount += n.errorCount;
    total.warningCount += n.warningCount;
    total.infoCount += n.infoCount;
  }
  const problems = total.errorCount + total.warningCount + total.infoCount;
  if (problems === 0) return "";
  const summary = `${problems} problem${problems === 1 ? "" : "s"} (${total.errorCount} error${total.errorCount === 1 ? "" : "s"}, ${total.warningCount} warning${total.warningCount === 1 ? "" : "s"}, ${total.infoCount} info)`;
  out.push("", total.errorCount > 0 ? c.red(c.bold(summary)) : c.yellow(c.bold(summary)));
  return out.join("\n") + "\n";
};

type Palette = Pick<typeof picocolors, "red" | "yellow" | "blue" | "dim" | "bold">;
const PLAIN: Palette = { red: String, yellow: String, blue: String, dim: String, bold: String };

/**
 * picocolors is loaded only when colours are on: loading it reads
 * process.stdout, which builds Node's stream for the pipe a hook or CI
 * writes to (a few milliseconds of a run that needs no colour).
 */
function colors(): Palette {
  const { createColors } = createRequire(import.meta.url)("picocolors") as typeof import("picocolors");
  return createColors(true);
}

function excerpt(lines: string[], f: Finding, mark: (s: string) => string): string[] {
  const line = f.range.start.line;
  const src = (lines[line] ?? "").replace(/\r$/, "");
  const gutter = String(line + 1).padStart(5) + " | ";
  const startCol = f.range.start.column;
  const endCol = f.range.end.line === line ? Math.max(f.range.end.column, startCol + 1) : Math.max(src.length, startCol + 1);
  const shown = src.replace(/\t/g, " ");
  return [gutter + shown, " ".repeat(5) + " | " + " ".repeat(startCol) + mark("^".repeat(Math.min(endCol, Math.max(shown.length, startCol + 1)) - startCol))];
}

export default stylish;
