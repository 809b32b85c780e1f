import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { rules } from "../rules/index.js";
import { ROOT } from "./helpers/fixtures.js";

describe("docs/rules.md", () => {
  const doc = join(ROOT, "docs", "rules.md");

  it("is generated from the rules and up to date (run `npm run gen`)", () => {
    const check = () => execFileSync(process.execPath, [join(ROOT, "scripts/gen-docs.mjs"), "--check"], { stdio: "pipe" });
    expect(check).not.toThrow();
  });

  it("has one row per rule with its default severity and fixability, linked to an existing README", () => {
    const rows = readFileSync(doc, "utf8").split("\n").filter((l) => l.startsWith("| ["));
    expect(rows).toHaveLength(rules.length);
    for (const rule of rules) {
      const row = rows.find((r) => r.startsWith(`| [${rule.id}](`));
      expect(row, rule.id).toBeDefined();
      const link = /\]\(([^)]+)\)/.exec(row!)![1];
      expect(existsSync(resolve(dirname(doc), link)), link).toBe(true);
      const cells = row!.split(/(?<!\\)\|/).map((c) => c.trim());
      expect(cells[3]).toContain(rule.meta.enabledByDefault === false ? "off" : rule.meta.severity);
      expect(cells[4]).toBe(rule.meta.fixable === false ? "no" : rule.meta.fixable);
      for (const ids of Object.values(rule.meta.sources ?? {})) for (const id of ids ?? []) expect(cells[5]).toContain(id);
    }
  });
});
