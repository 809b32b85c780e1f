import type { Formatter } from "./types.js";
import { counts } from "./types.js";

/**
 * The JSON contract other tools read: one object per file, lines and
 * columns 1-based. A fix's edits use 0-based offsets into the text without
 * its BOM, `[start, end)`.
 */
const json: Formatter = (reports) =>
  JSON.stringify(
    reports.map((r) => ({
      filePath: r.filePath,
      messages: r.findings.map((f) => ({
        ruleId: f.ruleId,
        severity: f.severity,
        message: f.message,
        line: f.range.start.line + 1,
        column: f.range.start.column + 1,
        endLine: f.range.end.line + 1,
        endColumn: f.range.end.column + 1,
        ...(f.fix ? { fix: { safety: f.fix.safety, edits: f.fix.edits } } : {}),
      })),
      ...counts(r.findings),
      ...(r.builds !== undefined ? { builds: r.builds } : {}),
      ...(r.output !== undefined ? { output: r.output } : {}),
    })),
    null,
    2,
  ) + "\n";

export default json;
