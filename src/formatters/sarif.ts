import { pathToFileURL } from "node:url";
import type { AnyRule, Finding, Fix, Severity } from "../engine/types.js";
import { artifactUri, oneBased } from "./paths.js";
import type { Formatter } from "./types.js";
import { ruleDocsUrl } from "./types.js";
import { lineStartsOf, positionOfOffset } from "../parse/lines.js";

/**
 * SARIF 2.1.0 (OASIS), as GitHub code scanning and other CI dashboards read
 * it: one run, every known rule described in `tool.driver.rules`, results
 * with 1-based regions, and `fixes` where a finding has one.
 *
 * Columns count UTF-16 code units (`columnKind`), which is what layerlint's
 * columns and offsets are; `charOffset`/`charLength` are offsets into the
 * text without its byte-order mark.
 */

const INFORMATION_URI = "https://github.com/layerlint/layerlint";
const SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

type Level = "error" | "warning" | "note";

const LEVEL: Readonly<Record<Severity, Level>> = { error: "error", warning: "warning", info: "note" };

/** Findings layerlint makes itself (invalid UTF-8, unknown ids in comments) carry this id. */
const SELF_RULE_ID = "layerlint";

interface Region {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
  charOffset: number;
  charLength: number;
}

interface ArtifactLocation {
  uri: string;
  uriBaseId?: string;
}

const sarif: Formatter = (reports, ctx) => {
  const described: AnyRule[] = [...ctx.rules];
  const index = new Map(described.map((r, i) => [r.id, i]));
  const driverRules = described.map(describeRule);
  const usesSelfRule = reports.some((r) => r.findings.some((f) => !index.has(f.ruleId)));
  if (usesSelfRule) {
    index.set(SELF_RULE_ID, driverRules.length);
    driverRules.push({
      id: SELF_RULE_ID,
      name: SELF_RULE_ID,
      shortDescription: { text: "A problem layerlint found with its input or its suppression comments" },
      fullDescription: { text: "A problem layerlint found with its input (invalid UTF-8) or its suppression comments (an unknown rule id)." },
      helpUri: INFORMATION_URI,
      defaultConfiguration: { level: "warning", enabled: true },
    });
  }

  const results = reports.flatMap((report) => {
    const location = artifactUri(report.filePath, ctx.cwd);
    const lineStarts = report.text === null ? null : lineStartsOf(report.text);
    return report.findings.map((f) => {
      const ruleIndex = index.get(f.ruleId) ?? index.get(SELF_RULE_ID);
      const fixes = [
        ...(f.fix ? [sarifFix(f.fix, fixDescription(f.fix), location, lineStarts)] : []),
        ...(f.suggestions ?? []).map((s) => sarifFix(s.fix, s.message, location, lineStarts)),
      ];
      return {
        ruleId: f.ruleId,
        ...(ruleIndex !== undefined ? { ruleIndex } : {}),
        level: LEVEL[f.severity],
        message: { text: f.message },
        locations: [{ physicalLocation: { artifactLocation: location, region: findingRegion(f) } }],
        ...(fixes.length > 0 ? { fixes } : {}),
      };
    });
  });

  const log = {
    $schema: SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "layerlint",
            version: ctx.version,
            semanticVersion: ctx.version,
            informationUri: INFORMATION_URI,
            rules: driverRules,
          },
        },
        // Relative artifact URIs resolve against the directory layerlint ran in.
        originalUriBaseIds: { "%SRCROOT%": { uri: pathToFileURL(ctx.cwd).href.replace(/\/?$/, "/") } },
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
};

function describeRule(rule: AnyRule): {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri: string;
  defaultConfiguration: { level: Level; enabled: boolean };
  properties?: { tags: string[] };
} {
  const fix =
    rule.meta.fixable === "safe"
      ? "`layerlint --fix` fixes it without changing what the build produces."
      : rule.meta.fixable === "unsafe"
        ? "`layerlint --fix --fix-unsafe` fixes it; review the change, as it may change what the build produces."
        : "It has no automatic fix.";
  const equivalents = Object.entries(rule.meta.sources ?? {}).flatMap(([tool, ids]: [string, readonly string[] | undefined]) =>
    (ids ?? []).map((id) => `${tool} ${id}`),
  );
  const sources = equivalents.length > 0 ? ` Equivalent checks: ${equivalents.join(", ")}.` : "";
  return {
    id: rule.id,
    name: rule.id,
    shortDescription: { text: rule.meta.description },
    fullDescription: { text: `${rule.meta.description}. ${fix}${sources}` },
    helpUri: ruleDocsUrl(rule.id),
    defaultConfiguration: { level: LEVEL[rule.meta.severity], enabled: rule.meta.enabledByDefault !== false },
    ...(equivalents.length > 0 ? { properties: { tags: equivalents } } : {}),
  };
}

function findingRegion(f: Finding): Region {
  const p = oneBased(f);
  return {
    startLine: p.line,
    startColumn: p.column,
    endLine: p.endLine,
    endColumn: p.endColumn,
    charOffset: f.range.start.offset,
    charLength: Math.max(0, f.range.end.offset - f.range.start.offset),
  };
}

function fixDescription(fix: Fix): string {
  return fix.safety === "safe" ? "apply layerlint's safe fix" : "apply layerlint's unsafe fix (it may change what the build produces)";
}

function sarifFix(fix: Fix, description: string, artifactLocation: ArtifactLocation, lineStarts: number[] | null) {
  return {
    description: { text: description },
    artifactChanges: [
      {
        artifactLocation,
        replacements: fix.edits.map((edit) => ({
          deletedRegion: editRegion(edit.range[0], edit.range[1], lineStarts),
          insertedContent: { text: edit.text },
        })),
      },
    ],
  };
}

/**
 * An edit's region by offsets, plus lines and columns when the text is
 * known, so consumers that only understand one of the two can apply it.
 */
function editRegion(start: number, end: number, lineStarts: number[] | null): Partial<Region> & { charOffset: number; charLength: number } {
  const byOffset = { charOffset: start, charLength: end - start };
  if (!lineStarts) return byOffset;
  const s = positionOf(start, lineStarts);
  const e = positionOf(end, lineStarts);
  return { startLine: s.line, startColumn: s.column, endLine: e.line, endColumn: e.column, ...byOffset };
}

/** 1-based line and column of an offset. */
function positionOf(offset: number, lineStarts: number[]): { line: number; column: number } {
  const p = positionOfOffset(lineStarts, offset);
  return { line: p.line + 1, column: p.column + 1 };
}

export default sarif;
