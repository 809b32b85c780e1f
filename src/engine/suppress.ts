import type { Instruction, ParsedDockerfile, Range } from "../parse/index.js";
import type { AnyRule, Finding } from "./types.js";
import { perList } from "../memo.js";

/**
 * Ignore comments: layerlint's own, hadolint's (for rules whose `sources`
 * name the hadolint id) and BuildKit's `# check=skip=` directive.
 *
 *   # layerlint ignore=rule-a,rule-b      the next instruction
 *   # layerlint global ignore=rule-a      the whole file
 *   # hadolint ignore=DL3003              the next instruction
 *   # hadolint global ignore=DL3003       the whole file
 *   # check=skip=JSONArgsRecommended      the whole file (BuildKit)
 */
export interface Suppressions {
  isSuppressed(finding: Finding): boolean;
  /** Ignore comments naming rules that do not exist. */
  problems: Finding[];
}

const COMMENT = /^(layerlint|hadolint)\s+(global\s+)?ignore\s*=\s*([^\s#]+)/i;

/**
 * The rule lookups an ignore comment needs: by id, by hadolint id, by
 * BuildKit check name. The same rule list is passed for every file linted:
 * the tables are built once per list.
 */
const tablesFor = perList((rules: readonly AnyRule[]) => {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const fromHadolint = new Map<string, string[]>();
  const fromBuildkit = new Map<string, string[]>();
  for (const r of rules) {
    for (const h of r.meta.sources?.hadolint ?? []) fromHadolint.set(h.toUpperCase(), [...(fromHadolint.get(h.toUpperCase()) ?? []), r.id]);
    for (const b of r.meta.sources?.buildkit ?? []) fromBuildkit.set(b.toLowerCase(), [...(fromBuildkit.get(b.toLowerCase()) ?? []), r.id]);
  }
  return { byId, fromHadolint, fromBuildkit };
});

/** isSuppressed of a file where no ignore applies: the runner then keeps every finding without asking. */
export const NOTHING_SUPPRESSED = (): boolean => false;

export function readSuppressions(file: ParsedDockerfile, rules: readonly AnyRule[]): Suppressions {
  const { byId, fromHadolint, fromBuildkit } = tablesFor(rules);

  const global = new Set<string>();
  let all = false;
  const perLine = new Map<number, Set<string>>();
  const problems: Finding[] = [];
  // Built on the first per-instruction ignore: most files have none.
  let commentLines: Set<number> | null = null;
  let startLines: Set<number> | null = null;

  const add = (ids: string[], isGlobal: boolean, line: number): void => {
    if (isGlobal) {
      ids.forEach((id) => global.add(id));
      return;
    }
    commentLines ??= new Set(file.comments.map((c) => c.range.start.line));
    startLines ??= new Set(file.instructions.map((i) => i.range.start.line));
    // The ignore applies to the instruction after the block of comments it sits in.
    let next = line + 1;
    while (commentLines.has(next) && !startLines.has(next)) next++;
    if (!startLines.has(next)) return;
    const set = perLine.get(next) ?? new Set<string>();
    ids.forEach((id) => set.add(id));
    perLine.set(next, set);
  };

  for (const c of file.comments) {
    const m = COMMENT.exec(c.text);
    if (!m) continue;
    const tool = m[1].toLowerCase();
    const names = m[3].split(",").map((s) => s.trim()).filter(Boolean);
    const ids: string[] = [];
    for (const name of names) {
      if (tool === "hadolint") ids.push(...(fromHadolint.get(name.toUpperCase()) ?? []));
      else if (byId.has(name)) ids.push(name);
      else problems.push(unknownRule(name, c.range));
    }
    add(ids, Boolean(m[2]), c.range.start.line);
  }

  const check = file.directives.check;
  const skip = check ? /(?:^|;)\s*skip\s*=\s*([^;]*)/i.exec(check) : null;
  if (skip) {
    for (const name of skip[1].split(",").map((s) => s.trim()).filter(Boolean)) {
      if (name.toLowerCase() === "all") all = true;
      for (const id of fromBuildkit.get(name.toLowerCase()) ?? []) global.add(id);
    }
  }

  // No ignore applies: no finding needs matching to its instruction.
  if (global.size === 0 && !all && perLine.size === 0) return { problems, isSuppressed: NOTHING_SUPPRESSED };

  // Findings are matched to the instruction that contains their start.
  const instructions = file.instructions;
  const containing = (offset: number): Instruction | undefined => {
    let lo = 0;
    let hi = instructions.length - 1;
    let found: Instruction | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (instructions[mid].range.start.offset <= offset) {
        found = instructions[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found && offset <= found.range.end.offset ? found : undefined;
  };

  return {
    problems,
    isSuppressed(f) {
      if (global.has(f.ruleId)) return true;
      if (all && (byId.get(f.ruleId)?.meta.sources?.buildkit?.length ?? 0) > 0) return true;
      const ins = containing(f.range.start.offset);
      return ins !== undefined && (perLine.get(ins.range.start.line)?.has(f.ruleId) ?? false);
    },
  };
}

function unknownRule(name: string, range: Range): Finding {
  return {
    ruleId: "layerlint",
    severity: "warning",
    message: `unknown rule "${name}" in ignore comment; run layerlint --list-rules for the rule ids`,
    range,
  };
}
