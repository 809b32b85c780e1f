import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { lintSource, lintWorkflowSource } from "../src/lint.js";
import { ROOT, RULES_DIR, ruleIds } from "./helpers/fixtures.js";

describe("rule folders", () => {
  it("rules/index.ts is generated from the folders and up to date", () => {
    expect(() => execFileSync(process.execPath, [join(ROOT, "scripts/gen-rules.mjs"), "--check"], { stdio: "pipe" })).not.toThrow();
    expect(rules.map((r) => r.id).sort()).toEqual(ruleIds());
  });

  for (const rule of rules) {
    describe(rule.id, () => {
      const readme = join(RULES_DIR, rule.id, "README.md");
      it("has a README.md and fixtures/", () => {
        expect(existsSync(readme)).toBe(true);
        expect(existsSync(join(RULES_DIR, rule.id, "fixtures"))).toBe(true);
      });
      it("has a one-line description without a trailing period and sources", () => {
        expect(rule.meta.description).not.toMatch(/\n|\.$/);
        expect(rule.meta.sources).toBeDefined();
      });
      it("README's bad example gives exactly one finding and its good example none", () => {
        const text = readFileSync(readme, "utf8");
        // A workflow rule's examples are ```yaml blocks, linted as workflows.
        const language = rule.meta.input === "workflow" ? "yaml" : "dockerfile";
        const bad = codeBlocks(text, "bad", rule.id, language);
        const good = codeBlocks(text, "good", rule.id, language);
        expect(bad.length, `README needs a \`\`\`${language} bad block`).toBeGreaterThan(0);
        expect(good.length, `README needs a \`\`\`${language} good block`).toBeGreaterThan(0);
        const opts = (context: string | null) => ({ rules: [rule], config: null, context, cliRules: { [rule.id]: rule.meta.severity } }) as const;
        const findings = (b: { text: string; context: string | null }) =>
          language === "yaml" ? lintWorkflowSource(b.text, opts(b.context)).findings : lintSource(b.text, opts(b.context)).findings;
        for (const b of bad) expect(findings(b).map((f) => f.ruleId)).toEqual([rule.id]);
        for (const g of good) expect(findings(g)).toEqual([]);
      });
      it("README starts with the rule id as its title", () => {
        expect(readFileSync(readme, "utf8").split("\n")[0]).toBe(`# ${rule.id}`);
      });
    });
  }
});

/**
 * README examples: ```dockerfile bad / ```dockerfile good blocks (```yaml for a workflow rule). A block may
 * name a build context inside the rule folder (`context=fixtures/x.context`)
 * for rules that look at the files on disk.
 */
function codeBlocks(markdown: string, kind: "bad" | "good", ruleId: string, language: string): { text: string; context: string | null }[] {
  const re = new RegExp("```" + language + " " + kind + "(?: context=(\\S+))?\\n([\\s\\S]*?)```", "g");
  return [...markdown.matchAll(re)].map((m) => ({ text: m[2], context: m[1] ? join(RULES_DIR, ruleId, m[1]) : null }));
}
