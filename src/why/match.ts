import { UsageError } from "../errors.js";
import type { CacheModel, StepInfo } from "../model/index.js";
import type { BuildLog, LogStep } from "./log.js";

/**
 * Pairs a log's steps with the Dockerfile's: by label first (`[build 3/5]`,
 * padding and platform left out), then the instruction must be the same
 * keyword and, for most steps, the same text once BuildKit's variable
 * substitution is allowed for. A log whose labels or texts do not fit is the
 * log of another Dockerfile (or of this one before an edit) and is refused.
 */
export interface MatchedLog {
  /** Each Dockerfile step the log printed. */
  byInfo: Map<StepInfo, LogStep>;
  /** The platform whose steps were taken, when the log holds several. */
  platform: string | null;
}

export function labelKey(label: string): string {
  return label.replace(/\s+/g, " ").replace("[ ", "[");
}

export function matchLog(model: CacheModel, log: BuildLog, logName: string, dockerfileName: string): MatchedLog {
  const infos = model.file.stages.flatMap((s) => model.stageInfos(s).filter((i) => i.label !== null && !i.instruction.onbuild));
  const byKey = new Map(infos.map((i) => [labelKey(i.label as string), i]));
  const platform = log.steps.find((s) => s.platform !== null)?.platform ?? null;
  const steps = log.steps.filter((s) => s.platform === platform);
  const byInfo = new Map<StepInfo, LogStep>();
  const another = (what: string): UsageError =>
    new UsageError(`not a log of ${dockerfileName}: ${what} (a log of another Dockerfile, or of this one before an edit)`, logName);
  let compared = 0;
  let differ = 0;
  let example = "";
  for (const step of steps) {
    const info = byKey.get(step.key);
    if (!info) {
      const known = infos.map((i) => labelKey(i.label as string));
      throw another(`step ${step.key} ${short(step.instruction)} is not one of its steps (${known.length === 0 ? "it has none" : `${known[0]} … ${known[known.length - 1]}`})`);
    }
    const keyword = /^\s*(\S+)/.exec(step.instruction)?.[1]?.toUpperCase() ?? "";
    if (keyword !== info.instruction.keyword) {
      throw another(`step ${step.key} is \`${short(step.instruction)}\` in the log but \`${short(firstLine(info.instruction.source))}\` at line ${info.instruction.range.start.line + 1}`);
    }
    if (keyword !== "FROM") {
      compared++;
      if (!sameText(firstLine(info.instruction.source), step.instruction)) {
        differ++;
        example ||= `step ${step.key} is \`${short(step.instruction)}\` in the log but \`${short(firstLine(info.instruction.source))}\` at line ${info.instruction.range.start.line + 1}`;
      }
    } else if (!sameImage(info, step.instruction)) {
      throw another(`step ${step.key} is \`${short(step.instruction)}\` in the log but \`${short(firstLine(info.instruction.source))}\` at line ${info.instruction.range.start.line + 1}`);
    }
    byInfo.set(info, step);
  }
  if (differ > 0 && differ * 2 >= compared) throw another(example);
  if (!log.failed) {
    // A build that did not fail prints every step it needs, except those merged with an identical step of another stage.
    const printedStages = new Set([...byInfo.keys()].map((i) => i.stage));
    // With the default target the stages it needs must all be there; another --target may need fewer.
    if ([...printedStages].every((st) => model.needed.has(st))) for (const st of model.needed) printedStages.add(st);
    for (const info of infos) {
      if (byInfo.has(info) || !printedStages.has(info.stage) || dedupTwin(info, byInfo)) continue;
      throw new UsageError(`the log is truncated: step ${labelKey(info.label as string)} ${short(firstLine(info.instruction.source))} is missing, and no step failed`, logName);
    }
  }
  return { byInfo, platform };
}

/** The printed step BuildKit merged this one with: the same position and text in another stage. */
export function dedupTwin(info: StepInfo, printed: ReadonlyMap<StepInfo, LogStep>): LogStep | null {
  const text = firstLine(info.instruction.source);
  for (const [other, step] of printed) {
    if (other.stage !== info.stage && other.step === info.step && firstLine(other.instruction.source) === text) return step;
  }
  return null;
}

/** The instruction's own line: continuations joined, heredoc bodies left out, blanks collapsed. */
export function firstLine(source: string): string {
  return source
    .replace(/[\\`]\r?\n/g, " ")
    .split(/\r?\n/)[0]
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * Whether BuildKit's printed text is this instruction: BuildKit prints it with
 * ARG and ENV values substituted, so a variable in the Dockerfile matches any
 * text; a heredoc or a long line may be printed in part.
 */
function sameText(written: string, printed: string): boolean {
  const p = printed.replace(/\s+/g, " ").trim();
  if (p === written) return true;
  const literals = literalParts(written);
  if (literals.length > 1 && wildcardMatch(literals, p)) return true;
  const shorter = Math.min(p.length, written.length);
  return shorter >= 12 && (p.startsWith(written.slice(0, shorter)) || written.startsWith(p.slice(0, shorter)));
}

/** The text between variable references (`$NAME`, `${...}`), which BuildKit substitutes before printing. */
function literalParts(text: string): string[] {
  const parts: string[] = [];
  let current = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const next = text[i + 1] ?? "";
    if (c === "$" && next === "{") {
      const close = text.indexOf("}", i + 2);
      if (close > 0) {
        parts.push(current);
        current = "";
        i = close;
        continue;
      }
    } else if (c === "$" && /[A-Za-z_]/.test(next)) {
      let j = i + 1;
      while (j < text.length && /[A-Za-z0-9_]/.test(text[j])) j++;
      parts.push(current);
      current = "";
      i = j - 1;
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts;
}

/** Whether `text` is the literals in order with anything between them: first at the start, last at the end. */
function wildcardMatch(literals: readonly string[], text: string): boolean {
  const first = literals[0];
  const last = literals[literals.length - 1];
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last)) return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of literals.slice(1, -1)) {
    const found = text.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

function sameImage(info: StepInfo, printed: string): boolean {
  const ref = info.inputs.image?.ref;
  if (!ref || ref.includes("$")) return true;
  const word = printed
    .replace(/^\s*FROM\s+/i, "")
    .split(/\s+/)
    .find((w) => !w.startsWith("--"));
  return word !== undefined && canonicalImage(word) === canonicalImage(ref);
}

function canonicalImage(ref: string): string {
  let r = ref.toLowerCase().replace(/@sha256:[0-9a-f]+$/, "");
  r = r.replace(/^docker\.io\//, "").replace(/^index\.docker\.io\//, "").replace(/^library\//, "");
  // A tag is a colon after the last slash (a colon before it is a registry's port).
  const colon = r.lastIndexOf(":");
  if (colon === -1 || colon === r.length - 1 || r.indexOf("/", colon) !== -1) r += ":latest";
  return r;
}

function short(s: string): string {
  const one = s.replace(/\s+/g, " ").trim();
  return one.length > 50 ? one.slice(0, 49) + "…" : one;
}
