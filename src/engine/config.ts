import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import picomatch from "picomatch";
import { parse as parseYaml } from "yaml";
import { UsageError } from "../errors.js";
import type { AnyRule, OptionSpec, Severity, SeveritySetting } from "./types.js";

/**
 * Configuration is data only (JSON or YAML): layerlint runs on untrusted
 * pull requests, so a config file can never load or run code.
 *
 *   { "rules": { "rule-id": "warning" | ["error", { option: value }] | { "severity": "off" } },
 *     "overrides": [{ "files": ["**\/*.dev.Dockerfile"], "rules": { ... } }] }
 */
export type RuleSettingInput =
  | SeveritySetting
  | [SeveritySetting]
  | [SeveritySetting, Record<string, unknown>]
  | { severity?: SeveritySetting; options?: Record<string, unknown> };

export interface ConfigData {
  rules?: Record<string, RuleSettingInput>;
  overrides?: { files: string | string[]; rules?: Record<string, RuleSettingInput> }[];
}

export interface LoadedConfig {
  /** The file it came from; null for settings given on the command line only. */
  path: string | null;
  /** Override globs are relative to this directory. */
  dir: string;
  data: ConfigData;
}

export interface ResolvedRule {
  rule: AnyRule;
  severity: Severity;
  options: Record<string, unknown>;
}

const FILES = [".layerlintrc.json", ".layerlintrc.yaml", ".layerlintrc.yml", "package.json"];
const SEVERITIES = new Set(["error", "warning", "info", "off"]);

const found = new Map<string, LoadedConfig | null>();

/** The nearest configuration walking up from `dir`, or null. Cached per directory. */
export function findConfig(dir: string): LoadedConfig | null {
  const start = resolve(dir);
  const seen: string[] = [];
  let d = start;
  for (;;) {
    if (found.has(d)) {
      const c = found.get(d) ?? null;
      seen.forEach((s) => found.set(s, c));
      return c;
    }
    seen.push(d);
    for (const name of FILES) {
      const p = join(d, name);
      if (!existsSync(p)) continue;
      if (name === "package.json") {
        // Not configuration unless it has a "layerlint" key: one that does not parse
        // (empty, a template, a fixture of another tool) is no business of a Dockerfile linter.
        const pkg = readJsonOrNull(p);
        if (!pkg || typeof pkg !== "object" || !("layerlint" in pkg)) continue;
        const c = checkShape({ path: p, dir: d, data: (pkg as { layerlint: unknown }).layerlint as ConfigData }, "layerlint");
        seen.forEach((s) => found.set(s, c));
        return c;
      }
      const c = readConfigFile(p);
      seen.forEach((s) => found.set(s, c));
      return c;
    }
    const up = dirname(d);
    if (up === d) {
      seen.forEach((s) => found.set(s, null));
      return null;
    }
    d = up;
  }
}

export function readConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory, not a file" : code === "EACCES" ? "permission denied" : (code ?? String(e));
    throw new UsageError(`cannot read configuration: ${why}`, path);
  }
  const yaml = /\.ya?ml$/i.test(path);
  let data: unknown;
  try {
    data = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new UsageError(`invalid ${yaml ? "YAML" : "JSON"}: ${yaml ? yamlReason(e as Error) : (e as Error).message.split("\n")[0]}`, path);
  }
  // `-c package.json`: the configuration is its "layerlint" key, as when it is found by walking up.
  if (basename(path) === "package.json") {
    if (!data || typeof data !== "object" || !("layerlint" in data)) throw new UsageError('no "layerlint" key: a package.json holds configuration only under that key', path);
    return checkShape({ path, dir: dirname(resolve(path)), data: (data as { layerlint: unknown }).layerlint as ConfigData }, "layerlint");
  }
  return checkShape({ path, dir: dirname(resolve(path)), data: (data ?? {}) as ConfigData }, "");
}

/**
 * The yaml package ends its first line with the place and a colon, the
 * excerpt following on the next lines ("Nested mappings are not allowed in
 * compact mappings at line 3, column 1:"): one line that starts with the
 * place and ends with the reason reads better.
 */
function yamlReason(e: Error): string {
  const first = e.message.split("\n")[0];
  const m = /^([\s\S]*?) at line (\d+), column (\d+):?$/.exec(first);
  return m ? `line ${m[2]}, column ${m[3]}: ${m[1]}` : first.replace(/:$/, "");
}

function readJsonOrNull(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch {
    return null;
  }
}

function checkShape(c: LoadedConfig, prefix: string): LoadedConfig {
  const key = (k: string): string => (prefix ? `${prefix}.${k}` : k);
  const fail = (k: string, why: string): never => {
    throw new UsageError(`invalid configuration at "${k}": ${why}`, c.path ?? "<command line>");
  };
  const d = c.data as unknown;
  if (typeof d !== "object" || d === null || Array.isArray(d)) fail(prefix || "(root)", "expected an object");
  const known = new Set(["rules", "overrides", "$schema"]);
  for (const k of Object.keys(d as object)) if (!known.has(k)) fail(key(k), 'unknown key (expected "rules" or "overrides")');
  if (c.data.rules !== undefined && (typeof c.data.rules !== "object" || c.data.rules === null || Array.isArray(c.data.rules))) {
    fail(key("rules"), "expected an object of rule ids");
  }
  if (c.data.overrides !== undefined) {
    if (!Array.isArray(c.data.overrides)) fail(key("overrides"), "expected an array");
    c.data.overrides.forEach((o, i) => {
      if (typeof o !== "object" || o === null) fail(key(`overrides[${i}]`), "expected an object");
      const files = (o as { files?: unknown }).files;
      if (!(typeof files === "string" || (Array.isArray(files) && files.every((f) => typeof f === "string")))) {
        fail(key(`overrides[${i}].files`), "expected a glob or an array of globs");
      }
    });
  }
  return c;
}

export interface ResolveInput {
  rules: readonly AnyRule[];
  config: LoadedConfig | null;
  /** The linted file, for `overrides`. */
  filePath: string | null;
  /** `--rule id=severity` from the command line: applied last. */
  cliRules?: Record<string, SeveritySetting>;
}

export interface ResolveResult {
  enabled: ResolvedRule[];
  /** Unknown rule ids: warned about, never fatal. */
  warnings: string[];
}

export function resolveRules(input: ResolveInput): ResolveResult {
  const byId = new Map(input.rules.map((r) => [r.id, r]));
  const severity = new Map<string, SeveritySetting>();
  const options = new Map<string, Record<string, unknown>>();
  const warnings: string[] = [];
  for (const r of input.rules) {
    severity.set(r.id, r.meta.enabledByDefault === false ? "off" : r.meta.severity);
    options.set(r.id, defaults(r));
  }
  const where = input.config?.path ?? "<command line>";
  const apply = (rules: Record<string, RuleSettingInput> | undefined, at: string): void => {
    for (const [id, raw] of Object.entries(rules ?? {})) {
      const rule = byId.get(id);
      if (!rule) {
        warnings.push(`${where}: unknown rule "${id}" at "${at}.${id}" (ignored)${didYouMean(id, byId.keys())}`);
        continue;
      }
      const { sev, opts } = normalise(raw, `${at}.${id}`, where);
      if (sev !== undefined) severity.set(id, sev);
      if (opts) options.set(id, { ...options.get(id), ...checkOptions(rule, opts, `${at}.${id}`, where) });
    }
  };
  const data = input.config?.data;
  apply(data?.rules, "rules");
  if (data?.overrides && input.filePath && input.config) {
    const rel = relative(input.config.dir, resolve(input.filePath)).split("\\").join("/");
    data.overrides.forEach((o, i) => {
      const globs = typeof o.files === "string" ? [o.files] : o.files;
      if (picomatch(globs, { dot: true, basename: !globs.some((g) => g.includes("/")) })(rel)) apply(o.rules, `overrides[${i}].rules`);
    });
  }
  for (const [id, sev] of Object.entries(input.cliRules ?? {})) {
    if (!byId.has(id)) {
      warnings.push(`--rule: unknown rule "${id}" (ignored)${didYouMean(id, byId.keys())}`);
      continue;
    }
    severity.set(id, sev);
  }
  const enabled: ResolvedRule[] = [];
  for (const r of input.rules) {
    const s = severity.get(r.id);
    if (s && s !== "off") enabled.push({ rule: r, severity: s, options: options.get(r.id) ?? {} });
  }
  return { enabled, warnings };
}

/** `; did you mean "copy-before-install"?` for the known id nearest a mistyped one, when one is near enough to be meant. */
export function didYouMean(id: string, known: Iterable<string>): string {
  let best: string | null = null;
  let bestDistance = Infinity;
  const wanted = id.toLowerCase();
  for (const k of known) {
    const d = editDistance(wanted, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // A third of the id's letters (at least two) may be wrong; past that the nearest id is a guess.
  return best !== null && bestDistance <= Math.max(2, Math.floor(id.length / 3)) ? `; did you mean "${best}"?` : "";
}

/** Levenshtein distance, two rows. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length];
}

function defaults(rule: AnyRule): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(rule.meta.options ?? {})) out[k] = (spec as OptionSpec).default;
  return out;
}

function normalise(raw: RuleSettingInput, at: string, where: string): { sev?: SeveritySetting; opts?: Record<string, unknown> } {
  const bad = (why: string): never => {
    throw new UsageError(`invalid configuration at "${at}": ${why}`, where);
  };
  const sev = (s: unknown): SeveritySetting => {
    if (typeof s !== "string" || !SEVERITIES.has(s)) bad(`severity must be "error", "warning", "info" or "off", not ${JSON.stringify(s)}`);
    return s as SeveritySetting;
  };
  if (typeof raw === "string") return { sev: sev(raw) };
  if (Array.isArray(raw)) {
    if ((raw as unknown[]).length === 0 || (raw as unknown[]).length > 2) bad("expected [severity] or [severity, options]");
    if (raw.length === 2 && (typeof raw[1] !== "object" || raw[1] === null || Array.isArray(raw[1]))) bad("options must be an object");
    return { sev: sev(raw[0]), opts: raw[1] as Record<string, unknown> | undefined };
  }
  if (typeof raw === "object" && raw !== null) {
    const o = raw as { severity?: unknown; options?: unknown };
    if (o.options !== undefined && (typeof o.options !== "object" || o.options === null || Array.isArray(o.options))) bad("options must be an object");
    return { sev: o.severity === undefined ? undefined : sev(o.severity), opts: o.options as Record<string, unknown> | undefined };
  }
  return bad("expected a severity, [severity, options] or { severity, options }");
}

function checkOptions(rule: AnyRule, opts: Record<string, unknown>, at: string, where: string): Record<string, unknown> {
  const schema = rule.meta.options ?? {};
  for (const [k, v] of Object.entries(opts)) {
    const spec = (schema as Record<string, OptionSpec>)[k];
    const key = `${at}.options.${k}`;
    if (!spec) {
      const known = Object.keys(schema);
      throw new UsageError(`invalid configuration at "${key}": unknown option${known.length ? ` (known: ${known.join(", ")})` : " (the rule has no options)"}`, where);
    }
    const ok =
      spec.type === "string[]" ? Array.isArray(v) && v.every((x) => typeof x === "string") : typeof v === spec.type;
    if (!ok) throw new UsageError(`invalid configuration at "${key}": expected ${spec.type}, got ${JSON.stringify(v)}`, where);
  }
  return opts;
}

/** Forget cached lookups (the language server calls this when a config file changes). */
export function clearConfigCache(): void {
  found.clear();
}
