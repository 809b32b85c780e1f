import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { fixSource, fixWorkflowSource, lintSource, lintWorkflowSource, type LintOptions } from "../src/lint.js";
import type { Finding } from "../src/engine/types.js";
import { fixturesOf, ruleIds, type Fixture } from "./helpers/fixtures.js";

/**
 * One generic test over every rule's fixtures: findings must equal the
 * `# expect:` markers, the fixed text must equal the golden
 * `<name>.fixed.Dockerfile` (`<name>.fixed.yml` for a workflow), and the
 * fixed text must lint clean of the fixable findings. UPDATE_GOLDEN=1
 * rewrites the golden files.
 */
const update = process.env.UPDATE_GOLDEN === "1";

function optionsFor(f: Fixture): LintOptions {
  const only = rules.filter((r) => f.allRules || r.id === f.ruleId);
  return {
    rules: only,
    filePath: f.path,
    config: null,
    context: f.contextDir,
    // Fixtures test rules that are off by default too.
    cliRules: Object.fromEntries(only.map((r) => [r.id, r.meta.severity])),
  };
}

/** Lints or fixes a fixture as the CLI would: a workflow fixture through the workflow rules. */
function lintFixture(f: Fixture, text: string): { findings: Finding[] } {
  return f.kind === "workflow" ? lintWorkflowSource(text, optionsFor(f)) : lintSource(text, optionsFor(f));
}

function fixFixture(f: Fixture, text: string): { changed: boolean; output: string; result: { findings: Finding[] } } {
  const options = { ...optionsFor(f), unsafe: f.unsafe };
  return f.kind === "workflow" ? fixWorkflowSource(text, options) : fixSource(text, options);
}

function actual(findings: { ruleId: string; range: { start: { line: number } } }[]): Map<number, string[]> {
  const m = new Map<number, string[]>();
  for (const f of findings) {
    const line = f.range.start.line + 1;
    m.set(line, [...(m.get(line) ?? []), f.ruleId].sort());
  }
  return m;
}

function sorted(m: Map<number, string[]>): [number, string[]][] {
  return [...m.entries()].map(([k, v]): [number, string[]] => [k, [...v].sort()]).sort((a, b) => a[0] - b[0]);
}

for (const id of ruleIds()) {
  describe(`rule ${id}`, () => {
    const fixtures = fixturesOf(id);
    it("has fixtures", () => {
      expect(fixtures.length).toBeGreaterThan(0);
    });
    for (const f of fixtures) {
      it(`fixture ${f.name}: findings match the markers`, () => {
        const result = lintFixture(f, f.text);
        const got = actual(result.findings);
        expect(sorted(got), result.findings.map((x) => `${x.range.start.line + 1}: ${x.ruleId}: ${x.message}`).join("\n")).toEqual(sorted(f.expected));
      });
      it(`fixture ${f.name}: fixed text matches the golden file and lints clean`, () => {
        const fixed = fixFixture(f, f.text);
        if (!fixed.changed) {
          expect(existsSync(f.goldenPath), `${f.goldenPath} exists but no fix applies`).toBe(false);
          return;
        }
        if (update) writeFileSync(f.goldenPath, fixed.output);
        expect(existsSync(f.goldenPath), `missing golden file ${f.goldenPath} (UPDATE_GOLDEN=1 writes it)`).toBe(true);
        expect(fixed.output).toBe(readFileSync(f.goldenPath, "utf8"));
        const left = fixed.result.findings.filter((x) => x.fix && (f.unsafe || x.fix.safety === "safe"));
        expect(left.map((x) => `${x.range.start.line + 1}: ${x.ruleId}: ${x.message}`)).toEqual([]);
        // A second --fix changes nothing.
        expect(fixFixture(f, fixed.output).changed).toBe(false);
      });
    }
  });
}
