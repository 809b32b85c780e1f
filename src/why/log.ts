import { UsageError } from "../errors.js";

/**
 * Reading what a real build did from its log: `docker build --progress=plain`
 * (or `docker buildx build`, or what `docker buildx history logs` prints,
 * which is the same format) and `--progress=rawjson` (a stream of BuildKit's
 * SolveStatus objects: `vertexes`, `statuses`, `logs`, `warnings`).
 *
 * Only the Dockerfile's steps are kept: BuildKit names them `[stage i/n] TEXT`
 * (`[2/7]`, `[build 3/5]`, padded `[ 2/12]`, `[build  3/12]`, and with a
 * platform prefix `[linux/arm64 build 3/5]` in multi-platform builds).
 */
export type LogFormat = "plain" | "rawjson";

/** What the engine did with a step. */
export type EngineOutcome = "cached" | "ran" | "error" | "not-run";

export interface LogStep {
  /** The label as printed, brackets included: `[build  3/12]`. */
  label: string;
  /** `[build 3/12]`: the platform left out and the padding collapsed, as layerlint labels steps. */
  key: string;
  /** `linux/arm64` when the label carries a platform, else null. */
  platform: string | null;
  /** The stage part of the label: "" for a single-stage file, `build`, `stage-1`. */
  stage: string;
  index: number;
  of: number;
  /** The instruction as BuildKit printed it (variables already substituted). */
  instruction: string;
  engine: EngineOutcome;
  /** How long the step took; null when the log does not say (a step still running, or cancelled). */
  seconds: number | null;
  /** The error line, for a failed step. */
  error: string | null;
  /** For a FROM step: the digest the image reference resolved to, when the log shows it. */
  digest: string | null;
}

export interface BuildLog {
  format: LogFormat;
  /** Printed steps, first appearance of each label. */
  steps: LogStep[];
  /** The log shows a cache import (`importing cache manifest from ...`). */
  cacheImport: boolean;
  /** A step failed. */
  failed: boolean;
}

const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d) /;
const PLAIN_HEADER = /^#(\d+) \[([^\]]+)\] (.*)$/;
const PLAIN_STATUS = /^#(\d+) (CACHED|DONE (\d+(?:\.\d+)?)s|ERROR\b:? ?(.*)|CANCELED\b.*)$/;
/** The inside of a step label: optional platform, optional stage, right-aligned index, total. */
const LABEL = /^(?:([a-z0-9]+\/[a-z0-9_]+(?:\/[a-z0-9.]+)?) )?(?:([^\s/]+) )? *(\d+)\/(\d+)$/i;
const DIGEST = /@(sha256:[0-9a-f]{64})/;
const CACHE_IMPORT = /importing cache manifest from /;

interface Vertex {
  id: string;
  name: string;
  cached: boolean;
  error: string | null;
  started: number | null;
  completed: number | null;
  seconds: number | null;
  canceled: boolean;
}

/**
 * Detects the format and reads the steps. Anything that is not a readable
 * BuildKit log (empty, binary, truncated, the legacy builder's output)
 * throws a UsageError naming `name`.
 */
export function readBuildLog(data: Buffer | string, name: string): BuildLog {
  const text = typeof data === "string" ? data : decodeLog(data, name);
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw new UsageError("the log is empty: expected the output of `docker build --progress=plain` or `--progress=rawjson`", name);
  if (body.includes("\u0000")) throw new UsageError("not a build log: the file is binary", name);
  const first = body.trimStart()[0];
  const log = first === "{" ? readRawJson(body, name) : readPlain(body, name);
  if (log.steps.length === 0) {
    if (/^Step \d+\/\d+ : /m.test(body)) {
      throw new UsageError("a log of the legacy builder (`Step 1/N :` lines) has no cache outcomes per step: build with BuildKit and --progress=plain", name);
    }
    throw new UsageError(
      log.format === "rawjson"
        ? "no Dockerfile step in the rawjson stream (no vertex named `[i/n] ...`)"
        : "no Dockerfile step found (no `#N [i/n] ...` line): expected the output of `docker build --progress=plain` or `--progress=rawjson`",
      name,
    );
  }
  return log;
}

function decodeLog(data: Buffer, name: string): string {
  if (data.includes(0)) throw new UsageError("not a build log: the file is binary", name);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(data);
  } catch {
    throw new UsageError("not a build log: the file is not UTF-8 text", name);
  }
}

function readPlain(text: string, name: string): BuildLog {
  const vertices = new Map<string, Vertex>();
  const order: string[] = [];
  let cacheImport = false;
  let sawProgress = false;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(TIMESTAMP, "");
    if (CACHE_IMPORT.test(line)) cacheImport = true;
    const h = PLAIN_HEADER.exec(line);
    if (h) {
      sawProgress = true;
      if (!vertices.has(h[1])) {
        vertices.set(h[1], { id: h[1], name: `[${h[2]}] ${h[3]}`, cached: false, error: null, started: null, completed: null, seconds: null, canceled: false });
        order.push(h[1]);
      }
      continue;
    }
    const s = PLAIN_STATUS.exec(line);
    if (!s) continue;
    sawProgress = true;
    const v = vertices.get(s[1]);
    if (!v) continue;
    const word = s[2];
    if (word === "CACHED") v.cached = true;
    else if (word.startsWith("DONE")) {
      v.completed = 1;
      v.seconds = Number(s[3]);
    } else if (word.startsWith("ERROR")) v.error = (s[4] ?? "").trim() || "the step failed";
    else v.canceled = true;
  }
  if (!sawProgress && !/^#\d+ /m.test(text)) return { format: "plain", steps: [], cacheImport, failed: false };
  return assemble("plain", order.map((id) => vertices.get(id) as Vertex), cacheImport, name);
}

/**
 * The rawjson stream: JSON objects one after another (Docker 26 indents
 * them; newer clients may not). Text between objects (the CLI's own error
 * lines when stderr was captured too) is skipped.
 */
function readRawJson(text: string, name: string): BuildLog {
  const vertices = new Map<string, Vertex>();
  const order: string[] = [];
  let cacheImport = false;
  let objects = 0;
  for (const chunk of jsonValues(text, name)) {
    let value: unknown;
    try {
      value = JSON.parse(chunk);
    } catch {
      if (objects > 0) continue;
      throw new UsageError(`not a rawjson build log: invalid JSON at ${JSON.stringify(chunk.slice(0, 40))}`, name);
    }
    if (!value || typeof value !== "object") continue;
    objects++;
    const status = value as Record<string, unknown>;
    for (const raw of arrayField(status, "vertexes")) {
      const v = raw as Record<string, unknown>;
      const digest = stringField(v, "digest");
      const vname = stringField(v, "name");
      if (!digest || vname === null) continue;
      if (CACHE_IMPORT.test(vname)) cacheImport = true;
      let vertex = vertices.get(digest);
      if (!vertex) {
        vertex = { id: digest, name: vname, cached: false, error: null, started: null, completed: null, seconds: null, canceled: false };
        vertices.set(digest, vertex);
        order.push(digest);
      }
      if (fieldOf(v, "cached") === true) vertex.cached = true;
      const started = timeField(v, "started");
      const completed = timeField(v, "completed");
      if (started !== null) vertex.started = started;
      if (completed !== null) vertex.completed = completed;
      const error = stringField(v, "error");
      if (error) {
        if (/context canceled|canceled/i.test(error) && !/did not complete/.test(error)) vertex.canceled = true;
        else vertex.error = error;
      }
      if (vertex.started !== null && vertex.completed !== null) vertex.seconds = Math.max(0, Math.round((vertex.completed - vertex.started) / 10) / 100);
    }
  }
  if (objects === 0) throw new UsageError("not a rawjson build log: no JSON object found", name);
  return assemble("rawjson", order.map((id) => vertices.get(id) as Vertex), cacheImport, name);
}

function fieldOf(o: Record<string, unknown>, key: string): unknown {
  if (key in o) return o[key];
  const cap = key[0].toUpperCase() + key.slice(1);
  return o[cap];
}

function stringField(o: Record<string, unknown>, key: string): string | null {
  const v = fieldOf(o, key);
  return typeof v === "string" ? v : null;
}

function arrayField(o: Record<string, unknown>, key: string): unknown[] {
  const v = fieldOf(o, key);
  return Array.isArray(v) ? v : [];
}

/** Milliseconds since the epoch, from RFC 3339 with up to nanoseconds (Date.parse takes milliseconds only). */
function timeField(o: Record<string, unknown>, key: string): number | null {
  const v = stringField(o, key);
  if (!v) return null;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/.exec(v);
  if (!m) return null;
  const whole = Date.parse(m[1] + m[3]);
  if (Number.isNaN(whole)) return null;
  const frac = m[2] ? Number(`0.${m[2]}`) * 1000 : 0;
  return whole + frac;
}

/** Splits concatenated JSON objects, honouring strings; an object cut off at the end is a truncated log. */
function* jsonValues(text: string, name: string): Generator<string> {
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (depth === 0) {
      // Objects start a line; a brace inside the CLI's own text between them does not.
      if (c === "{" && /(^|\n)[ \t]*$/.test(text.slice(Math.max(0, i - 80), i))) {
        start = i;
        depth = 1;
      }
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) yield text.slice(start, i + 1);
    }
  }
  if (depth > 0) throw new UsageError("the log is truncated: the rawjson stream ends inside an object", name);
}

function assemble(format: LogFormat, vertices: Vertex[], cacheImport: boolean, name: string): BuildLog {
  const steps: LogStep[] = [];
  const seen = new Set<string>();
  // rawjson announces every vertex before it starts: after a failure, those never started did not run
  const failed = vertices.some((v) => v.error !== null);
  for (const v of vertices) {
    const m = /^\[([^\]]+)\] ([\s\S]*)$/.exec(v.name);
    if (!m) continue;
    const l = LABEL.exec(m[1]);
    if (!l) continue;
    const stage = l[2] ?? "";
    const index = Number(l[3]);
    const of = Number(l[4]);
    const key = `[${stage ? `${stage} ` : ""}${index}/${of}]`;
    const platform = l[1] ?? null;
    const seenKey = `${platform ?? ""} ${key}`;
    if (seen.has(seenKey)) continue;
    seen.add(seenKey);
    const instruction = m[2].trim();
    let engine: EngineOutcome;
    if (v.error) engine = "error";
    else if (v.cached) engine = "cached";
    else if (v.completed !== null) engine = "ran";
    else if (v.canceled || failed) engine = "not-run";
    else throw new UsageError(`the log is truncated: step [${m[1]}] ${short(instruction)} has no result (no DONE, CACHED or ERROR)`, name);
    steps.push({
      label: `[${m[1]}]`,
      key,
      platform,
      stage,
      index,
      of,
      instruction,
      engine,
      seconds: engine === "cached" ? 0 : engine === "ran" || engine === "error" ? v.seconds : null,
      error: v.error,
      digest: /^FROM\s/i.test(instruction) ? (DIGEST.exec(instruction)?.[1] ?? null) : null,
    });
  }
  return { format, steps, cacheImport, failed };
}

function short(s: string): string {
  const one = s.replace(/\s+/g, " ");
  return one.length > 50 ? one.slice(0, 49) + "…" : one;
}
