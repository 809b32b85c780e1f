import type { AnyRule, Finding } from "../engine/types.js";

/** One linted file as formatters see it. */
export interface FileReport {
  filePath: string;
  /** The text the findings refer to (no BOM), for source excerpts; null if unavailable. */
  text: string | null;
  findings: Finding[];
  /** The fixed text, when a dry run computed one. */
  output?: string;
  /** The builds the file was linted with (context relative to the working directory, where it was found). */
  builds?: { context: string; target: string | null; source: string }[];
}

export interface FormatterContext {
  color: boolean;
  /** Every known rule, for formats that describe rules (SARIF). */
  rules: readonly AnyRule[];
  cwd: string;
  version: string;
}

export type Formatter = (reports: readonly FileReport[], ctx: FormatterContext) => string;

export function counts(findings: readonly Finding[]): { errorCount: number; warningCount: number; infoCount: number } {
  let errorCount = 0;
  let warningCount = 0;
  let infoCount = 0;
  for (const f of findings) {
    if (f.severity === "error") errorCount++;
    else if (f.severity === "warning") warningCount++;
    else infoCount++;
  }
  return { errorCount, warningCount, infoCount };
}

/** The public docs page of a rule. */
export function ruleDocsUrl(ruleId: string): string {
  return `https://github.com/layerlint/layerlint/blob/main/rules/${ruleId}/README.md`;
}
