import type { AnyRule } from "../../src/engine/types.js";
import { lintSource } from "../../src/lint.js";

/** One rule's findings for a text alone (no configuration, no context on disk), the rule on even when off by default. */
export function findingsOf(rule: AnyRule, text: string): { message: string; fixed: boolean }[] {
  return lintSource(text, { rules: [rule], config: null, context: null, cliRules: { [rule.id]: rule.meta.severity } }).findings.map((f) => ({
    message: f.message,
    fixed: f.fix != null,
  }));
}

/** One rule's messages for a text alone. */
export function messagesOf(rule: AnyRule, text: string): string[] {
  return findingsOf(rule, text).map((f) => f.message);
}
