import type { UsageError } from "../errors.js";

// Recognised by name, not instanceof: importing the classes would put them in a chunk
// shared with the lint command, which the CLI entry would then load on every run.
const isUsageError = (e: unknown): e is UsageError => e instanceof Error && e.name === "UsageError" && "describe" in e;
const isRuleError = (e: unknown): e is Error => e instanceof Error && e.name === "RuleError";

/** The one line a failed run prints (the stack with --debug). */
export function describeError(e: unknown, debug: boolean): string {
  if (debug && e instanceof Error && e.stack) return `layerlint: ${e.stack}`;
  if (isUsageError(e)) return `layerlint: ${e.describe()}`;
  if (isRuleError(e)) return `layerlint: internal error: ${e.message} (please report it; --debug shows the stack)`;
  const msg = e instanceof Error ? e.message : String(e);
  return `layerlint: internal error: ${msg.split("\n")[0]} (--debug shows the stack)`;
}
