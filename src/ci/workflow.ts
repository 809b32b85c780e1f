import { isAlias, isMap, isScalar, isSeq, parseDocument, type Document, type Node, type Scalar, type YAMLMap } from "yaml";
import { UsageError } from "../errors.js";
import { lineStartsOf, positionOfOffset, rangeOfOffsets } from "../parse/lines.js";
import type { Range } from "../parse/types.js";
import type { SourceText } from "../read.js";
import { actionBuild, commandBuilds, isBuildPushAction, type BuildSettings } from "./builds.js";

/**
 * A GitHub Actions workflow as the rules see it: jobs, where they run, and
 * their steps, each value with its range in the file. Read with the yaml
 * package's Document API, which keeps every node's offsets.
 */
export interface Workflow {
  filePath: string;
  source: SourceText;
  lineStarts: number[];
  jobs: WorkflowJob[];
}

/** A `key: value` entry whose value is text (a scalar; anything else as written). */
export interface WorkflowEntry {
  key: string;
  keyRange: Range;
  value: string;
  range: Range;
}

/**
 * Where a job runs. `hosted`: every label is a GitHub-hosted image
 * (`ubuntu-*`, `windows-*`, `macos-*`), matrix values included; each run
 * gets a fresh machine. `self-hosted`: a label says so. `other`: a custom
 * label or a runner group. `unknown`: an expression that cannot be
 * resolved, or no `runs-on`.
 */
export type RunnerKind = "hosted" | "self-hosted" | "other" | "unknown";

export interface WorkflowJob {
  id: string;
  keyRange: Range;
  /** The `runs-on` labels as written (an expression stays an expression). */
  runsOn: string[];
  runner: RunnerKind;
  /** `defaults.run.working-directory` of the job, or of the workflow. */
  defaultWorkingDirectory: string | null;
  steps: WorkflowStep[];
}

export interface WorkflowStep {
  /** Position in the job's `steps:` list, from 0. */
  index: number;
  name: string | null;
  id: string | null;
  range: Range;
  uses: WorkflowEntry | null;
  /** The `with:` inputs, in file order. */
  with: ReadonlyMap<string, WorkflowEntry>;
  /** The `with:` key, when there is one; `flow` when its value is written `{ ... }` (an empty or non-mapping value leaves `with` empty). */
  withBlock: { keyRange: Range; flow: boolean } | null;
  run: WorkflowEntry | null;
  /** The step's `working-directory`, else the job's or workflow's default. */
  workingDirectory: string | null;
  builds: ImageBuild[];
}

/** An image build made by a step: the action, or one command of its `run:` script. */
export interface ImageBuild extends BuildSettings {
  via: "action" | "command";
  /** The `uses:` entry, or the build command inside the `run:` value (the whole value when its text cannot be mapped back). */
  range: Range;
  /** The build command as the shell receives it (`run:` builds only). */
  command?: string;
}

/**
 * The last workflow parsed, by its source object: the CLI parses a
 * workflow met by a directory search to see whether it builds anything,
 * then lints that same source.
 */
let last: { source: SourceText; filePath: string; workflow: Workflow } | null = null;

/** Parses a workflow; invalid YAML or a file without `jobs:` is a UsageError naming the file. */
export function parseWorkflow(source: SourceText, filePath = "<input>"): Workflow {
  if (last !== null && last.source === source && last.filePath === filePath) return last.workflow;
  const workflow = parse(source, filePath);
  last = { source, filePath, workflow };
  return workflow;
}

function parse(source: SourceText, filePath: string): Workflow {
  const { text } = source;
  const lineStarts = lineStartsOf(text);
  const doc = parseDocument(text, { prettyErrors: false, keepSourceTokens: false });
  const error = doc.errors[0];
  if (error) {
    const at = positionOfOffset(lineStarts, Math.min(error.pos[0], text.length));
    throw new UsageError(`invalid YAML at line ${at.line + 1}, column ${at.column + 1}: ${firstLine(error.message)}`, filePath);
  }
  const reader = new Reader(doc, text, lineStarts);
  const root = reader.map(doc.contents);
  const jobs = root && reader.map(reader.get(root, "jobs"));
  if (!root || !jobs) throw new UsageError("not a GitHub Actions workflow (no `jobs:` mapping)", filePath);
  const workflowDir = reader.scalar(reader.path(root, "defaults", "run", "working-directory"));
  return { filePath, source, lineStarts, jobs: jobs.items.flatMap((pair) => reader.job(pair.key as Node, pair.value as Node, workflowDir)) };
}

function firstLine(message: string): string {
  return message.split("\n")[0].trim();
}

const HOSTED_LABEL = /^(ubuntu|windows|macos)-[\w.-]+$/i;
const MATRIX_LABEL = /^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$/;

/** Walks the document; every node is looked at through an alias, as GitHub resolves them. */
class Reader {
  constructor(
    private readonly doc: Document,
    private readonly text: string,
    private readonly lineStarts: number[],
  ) {}

  node(n: unknown): Node | null {
    if (isAlias(n)) return (n.resolve(this.doc) as Node | undefined) ?? null;
    return (n as Node | null) ?? null;
  }

  map(n: unknown): YAMLMap | null {
    const node = this.node(n);
    return isMap(node) ? node : null;
  }

  get(m: YAMLMap, key: string): Node | null {
    for (const pair of m.items) if (isScalar(pair.key) && pair.key.value === key) return this.node(pair.value);
    return null;
  }

  path(m: YAMLMap | null, ...keys: string[]): Node | null {
    let node: Node | null = m;
    for (const key of keys) {
      const map = this.map(node);
      node = map ? this.get(map, key) : null;
    }
    return node;
  }

  scalar(n: Node | null): string | null {
    if (!isScalar(n)) return null;
    return n.value === null || n.value === undefined ? "" : String(n.value);
  }

  /** A node's range, without the line break a block scalar's range ends with. */
  range(n: Node): Range {
    const [start, valueEnd] = n.range ?? [0, 0];
    let end = valueEnd;
    while (end > start && /\s/.test(this.text[end - 1])) end--;
    return rangeOfOffsets(this.lineStarts, start, end);
  }

  /** The entries of a mapping whose keys are plain text. */
  entries(m: YAMLMap): WorkflowEntry[] {
    const out: WorkflowEntry[] = [];
    for (const pair of m.items) {
      if (!isScalar(pair.key) || !pair.key.range) continue;
      const value = this.node(pair.value);
      const keyRange = this.range(pair.key);
      const range = value?.range ? this.range(value) : { start: keyRange.end, end: keyRange.end };
      const text = value === null ? "" : (this.scalar(value) ?? this.text.slice(range.start.offset, range.end.offset));
      out.push({ key: String(pair.key.value), keyRange, value: text, range });
    }
    return out;
  }

  job(key: Node, value: Node, workflowDir: string | null): WorkflowJob[] {
    const job = this.map(value);
    if (!isScalar(key) || !key.range || !job) return [];
    const runsOn = this.runsOn(this.get(job, "runs-on"));
    const defaultWorkingDirectory = this.scalar(this.path(job, "defaults", "run", "working-directory")) ?? workflowDir;
    const stepList = this.node(this.get(job, "steps"));
    const steps = isSeq(stepList) ? stepList.items.flatMap((s, index) => this.step(s, index, defaultWorkingDirectory)) : [];
    return [{ id: String(key.value), keyRange: this.range(key), runsOn: runsOn.labels, runner: this.runnerKind(runsOn, job), defaultWorkingDirectory, steps }];
  }

  runsOn(n: Node | null): { labels: string[]; group: boolean } {
    if (isScalar(n)) return { labels: [this.scalar(n) ?? ""], group: false };
    if (isSeq(n)) return { labels: n.items.map((i) => this.scalar(this.node(i)) ?? ""), group: false };
    const m = this.map(n);
    if (m) {
      // `{ group, labels }`: a runner group or a larger runner, chosen by the organisation.
      const labels = this.node(this.get(m, "labels"));
      return { labels: isSeq(labels) ? labels.items.map((i) => this.scalar(this.node(i)) ?? "") : [this.scalar(labels) ?? ""].filter(Boolean), group: true };
    }
    return { labels: [], group: false };
  }

  runnerKind(runsOn: { labels: string[]; group: boolean }, job: YAMLMap): RunnerKind {
    const matrix = this.map(this.path(job, "strategy", "matrix"));
    const possible: string[][] = [];
    for (const label of runsOn.labels) {
      const m = MATRIX_LABEL.exec(label.trim());
      const values = m ? this.matrixValues(matrix, m[1]) : label.includes("${{") ? null : [label.trim()];
      if (values === null) return runsOn.labels.some((l) => l.trim() === "self-hosted") ? "self-hosted" : "unknown";
      possible.push(values);
    }
    if (possible.some((values) => values.includes("self-hosted"))) return "self-hosted";
    if (runsOn.group) return "other";
    if (possible.length === 0) return "unknown";
    return possible.every((values) => values.length > 0 && values.every((v) => HOSTED_LABEL.test(v))) ? "hosted" : "other";
  }

  /** Every value `matrix.<key>` takes, or null when one of them is not written out. */
  matrixValues(matrix: YAMLMap | null, key: string): string[] | null {
    if (!matrix) return null;
    const values: string[] = [];
    const add = (n: Node | null): boolean => {
      const v = this.scalar(n);
      if (v === null || v.includes("${{")) return false;
      values.push(v);
      return true;
    };
    const direct = this.node(this.get(matrix, key));
    if (isSeq(direct)) {
      if (!direct.items.every((i) => add(this.node(i)))) return null;
    } else if (direct !== null && !add(direct)) return null;
    const include = this.node(this.get(matrix, "include"));
    if (include !== null) {
      if (!isSeq(include)) return null;
      for (const item of include.items) {
        const entry = this.map(item);
        if (!entry) return null;
        const v = this.get(entry, key);
        if (v !== null && !add(v)) return null;
      }
    }
    return values.length > 0 ? values : null;
  }

  step(n: unknown, index: number, defaultWorkingDirectory: string | null): WorkflowStep[] {
    const step = this.map(n);
    if (!step) return [];
    const entries = new Map(this.entries(step).map((e) => [e.key, e]));
    const withNode = this.map(this.get(step, "with"));
    const withPair = step.items.find((p) => isScalar(p.key) && p.key.value === "with");
    const inputs: ReadonlyMap<string, WorkflowEntry> = withNode ? new Map(this.entries(withNode).map((e) => [e.key, e])) : new Map();
    const uses = entries.get("uses") ?? null;
    const run = entries.get("run") ?? null;
    const builds: ImageBuild[] = [];
    if (uses && isBuildPushAction(uses.value)) {
      const settings = actionBuild(new Map([...inputs].map(([k, e]) => [k, e.value])));
      builds.push({ ...settings, via: "action", range: { start: uses.keyRange.start, end: uses.range.end } });
    }
    const runNode = this.node(this.get(step, "run"));
    if (run && isScalar(runNode)) {
      for (const b of commandBuilds(run.value)) {
        const { start, end, ...settings } = b;
        builds.push({ ...settings, via: "command", range: this.mapScalarRange(runNode, run.value, start, end) ?? run.range, command: run.value.slice(start, end) });
      }
    }
    return [
      {
        index,
        name: entries.get("name")?.value ?? null,
        id: entries.get("id")?.value ?? null,
        range: this.range(step),
        uses,
        with: inputs,
        withBlock: withPair && isScalar(withPair.key) ? { keyRange: this.range(withPair.key), flow: withNode?.flow === true } : null,
        run,
        workingDirectory: entries.get("working-directory")?.value ?? defaultWorkingDirectory,
        builds,
      },
    ];
  }

  /**
   * The file range of `[start, end)` of a scalar's value, for a one-line
   * plain or quoted scalar and a literal block (`|`), whose lines are the
   * file's lines less their indentation. Null when the text does not map
   * back (folded or multi-line flow scalars, escapes).
   */
  mapScalarRange(node: Scalar, value: string, start: number, end: number): Range | null {
    if (!node.range) return null;
    const nodeStart = node.range[0];
    const at = (valueOffset: number): number | null => {
      if (node.type === "PLAIN" || node.type === "QUOTE_SINGLE" || node.type === "QUOTE_DOUBLE") {
        if (value.includes("\n")) return null;
        return nodeStart + (node.type === "PLAIN" ? 0 : 1) + valueOffset;
      }
      if (node.type !== "BLOCK_LITERAL") return null;
      const before = value.slice(0, valueOffset);
      const valueLine = before.split("\n").length - 1;
      const column = valueOffset - (before.lastIndexOf("\n") + 1);
      const headerLine = positionOfOffset(this.lineStarts, nodeStart).line;
      const line = headerLine + 1 + valueLine;
      if (line >= this.lineStarts.length) return null;
      return this.lineStarts[line] + this.blockIndent(headerLine) + column;
    };
    const from = at(start);
    const to = at(end);
    if (from === null || to === null) return null;
    // Check both ends against the value: any mismatch (an escape, a tab indent) falls back to the whole value.
    const firstLineEnd = value.indexOf("\n", start);
    const head = value.slice(start, firstLineEnd === -1 || firstLineEnd > end ? end : firstLineEnd);
    const tail = value.slice(Math.max(start, value.lastIndexOf("\n", end - 1) + 1), end);
    if (this.text.slice(from, from + head.length) !== head || this.text.slice(to - tail.length, to) !== tail) return null;
    return rangeOfOffsets(this.lineStarts, from, to);
  }

  /** The indentation of a block scalar's content: that of its first line that is not blank. */
  blockIndent(headerLine: number): number {
    for (let line = headerLine + 1; line < this.lineStarts.length; line++) {
      const end = line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] : this.text.length;
      const content = this.text.slice(this.lineStarts[line], end).replace(/\r?\n$/, "");
      if (content.trim() !== "") return content.length - content.trimStart().length;
    }
    return 0;
  }
}
