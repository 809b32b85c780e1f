import type { Formatter } from "./types.js";
import { XML_DECLARATION, escapeXml } from "./xml.js";

/**
 * Checkstyle XML, which Jenkins' warnings plugin, reviewdog, SonarQube and
 * other CI tools import: one `<file>` per linted file, one `<error>` per
 * finding (1-based line and column; `source` is the rule id).
 */
const checkstyle: Formatter = (reports) => {
  const out = [XML_DECLARATION, '<checkstyle version="4.3">'];
  for (const r of reports) {
    out.push(`  <file name="${escapeXml(r.filePath)}">`);
    for (const f of r.findings) {
      const attrs = {
        line: f.range.start.line + 1,
        column: f.range.start.column + 1,
        severity: f.severity,
        message: f.message,
        source: f.ruleId,
      };
      out.push(`    <error ${Object.entries(attrs).map(([k, v]) => `${k}="${escapeXml(String(v))}"`).join(" ")}/>`);
    }
    out.push("  </file>");
  }
  out.push("</checkstyle>");
  return out.join("\n") + "\n";
};

export default checkstyle;
