import type { Formatter } from "./types.js";
import { XML_DECLARATION, escapeXml } from "./xml.js";

/**
 * JUnit XML, for CI systems that show test reports (GitLab's
 * `artifacts:reports:junit`, Jenkins, Azure Pipelines): one `<testsuite>`
 * per linted file, one failing `<testcase>` per finding, and one passing
 * test case for a file without findings so that it counts as checked.
 */
const junit: Formatter = (reports) => {
  const total = reports.reduce((n, r) => n + Math.max(1, r.findings.length), 0);
  const failures = reports.reduce((n, r) => n + r.findings.length, 0);
  const out = [XML_DECLARATION, `<testsuites name="layerlint" tests="${total}" failures="${failures}" errors="0">`];
  for (const r of reports) {
    const file = escapeXml(r.filePath);
    const tests = Math.max(1, r.findings.length);
    out.push(`  <testsuite name="${file}" tests="${tests}" failures="${r.findings.length}" errors="0" skipped="0">`);
    if (r.findings.length === 0) out.push(`    <testcase name="layerlint" classname="${file}"/>`);
    for (const f of r.findings) {
      const where = `${f.range.start.line + 1}:${f.range.start.column + 1}`;
      out.push(`    <testcase name="${escapeXml(`${f.ruleId} at ${where}`)}" classname="${file}">`);
      out.push(
        `      <failure message="${escapeXml(f.message)}" type="${f.severity}">${escapeXml(`${r.filePath}:${where}: ${f.severity}: ${f.message} [${f.ruleId}]`)}</failure>`,
      );
      out.push("    </testcase>");
    }
    out.push("  </testsuite>");
  }
  out.push("</testsuites>");
  return out.join("\n") + "\n";
};

export default junit;
