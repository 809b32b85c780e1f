import type { OptionsSchema, Rule } from "./types.js";

const ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Declares a rule. The checks here catch mistakes when the rule list is
 * loaded, not when a user's file happens to trigger the rule.
 */
export function defineRule<S extends OptionsSchema, M extends Record<string, (...args: never[]) => string>>(rule: Rule<S, M>): Rule<S, M> {
  if (!ID.test(rule.id)) throw new Error(`rule id "${rule.id}" must be kebab-case`);
  if (!rule.meta.description || /\.$/.test(rule.meta.description)) {
    throw new Error(`rule ${rule.id}: meta.description must be one line without a trailing period`);
  }
  return rule;
}
