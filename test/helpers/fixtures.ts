import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
export const RULES_DIR = join(ROOT, "rules");

export interface Fixture {
  ruleId: string;
  name: string;
  path: string;
  text: string;
  /** `<name>.context/` next to the fixture: the build context on disk, if present. */
  contextDir: string | null;
  /** `<name>.fixed.Dockerfile` (`<name>.fixed.yml` for a workflow), if present. */
  goldenPath: string;
  /** `.yml`/`.yaml` fixtures are GitHub Actions workflows, for rules whose `meta.input` is `workflow`. */
  kind: "dockerfile" | "workflow";
  /** Expected findings: 1-based line of the instruction → rule ids. */
  expected: Map<number, string[]>;
  /** `# fixture: all-rules` on the first line runs every rule, not only the folder's. */
  allRules: boolean;
  /** `# fixture: unsafe` applies unsafe fixes too when producing the fixed text. */
  unsafe: boolean;
}

const EXPECT = /^\s*#\s*expect:\s*(.+?)\s*$/;

/**
 * Fixtures carry their expectations on comment lines before the
 * instruction: `# expect: rule-id` (several ids: comma-separated, or
 * several lines). The marker applies to the next line that is not a
 * comment or blank.
 */
export function parseExpectations(text: string): Map<number, string[]> {
  const lines = text.split(/\r?\n/);
  const expected = new Map<number, string[]>();
  let pending: string[] = [];
  lines.forEach((line, i) => {
    const m = EXPECT.exec(line);
    if (m) {
      pending.push(...m[1].split(",").map((s) => s.trim()).filter(Boolean));
      return;
    }
    if (/^\s*(#.*)?$/.test(line)) return;
    if (pending.length > 0) {
      expected.set(i + 1, [...(expected.get(i + 1) ?? []), ...pending]);
      pending = [];
    }
  });
  return expected;
}

export function ruleIds(): string[] {
  return readdirSync(RULES_DIR)
    .filter((d) => statSync(join(RULES_DIR, d)).isDirectory())
    .sort();
}

export function fixturesOf(ruleId: string): Fixture[] {
  const dir = join(RULES_DIR, ruleId, "fixtures");
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.(Dockerfile|ya?ml)$/.test(f) && !/\.fixed\.(Dockerfile|ya?ml)$/.test(f))
    .sort()
    .map((f) => {
      const extension = /\.(Dockerfile|ya?ml)$/.exec(f)?.[1] ?? "Dockerfile";
      const name = f.slice(0, -extension.length - 1);
      const path = join(dir, f);
      const text = readFileSync(path, "utf8");
      const contextDir = join(dir, `${name}.context`);
      return {
        ruleId,
        name,
        path,
        text,
        contextDir: existsSync(contextDir) ? contextDir : null,
        goldenPath: join(dir, `${name}.fixed.${extension}`),
        kind: extension === "Dockerfile" ? "dockerfile" : "workflow",
        expected: parseExpectations(text),
        allRules: /^#\s*fixture:.*\ball-rules\b/m.test(text.split("\n")[0] ?? ""),
        unsafe: /^#\s*fixture:.*\bunsafe\b/m.test(text.split("\n")[0] ?? ""),
      };
    });
}
