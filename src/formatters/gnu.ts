import type { Formatter } from "./types.js";

/**
 * The GNU coding standards' error format, which Vim's errorformat, Emacs'
 * compilation mode and most editors parse:
 * `file:line:col: severity: message [rule-id]` (1-based line and column).
 */
const gnu: Formatter = (reports) => {
  const out: string[] = [];
  for (const r of reports) {
    for (const f of r.findings) {
      // One finding per line: an error parser reads line by line.
      const message = f.message.replace(/\r?\n/g, " ");
      out.push(`${r.filePath}:${f.range.start.line + 1}:${f.range.start.column + 1}: ${f.severity}: ${message} [${f.ruleId}]`);
    }
  }
  return out.length > 0 ? out.join("\n") + "\n" : "";
};

export default gnu;
