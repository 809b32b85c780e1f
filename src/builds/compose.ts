import { dirname, isAbsolute, join, resolve } from "node:path";
import { parse } from "yaml";
import type { Declaration, ReadText } from "./types.js";

/**
 * `services.<name>.build` of a compose file: a string (the context) or
 * `{context, dockerfile, target, args}`. The context is relative to the
 * compose file's folder, the dockerfile to the context (the Compose
 * specification). `${VAR}`, `${VAR:-default}` and `$VAR` take their value
 * from the `.env` beside the file, else the default; the shell's
 * environment is not read, so that a lint does not depend on who runs it.
 */
export function composeDeclarations(file: string, text: string, read: ReadText): Declaration[] {
  const doc = parse(text, YAML_OPTIONS) as unknown;
  const services = isObject(doc) ? doc.services : undefined;
  if (!isObject(services)) return [];
  const dir = dirname(file);
  let env: Map<string, string> | undefined;
  const vars = (): Map<string, string> => (env ??= dotenv(read(join(dir, ".env")) ?? ""));
  const out: Declaration[] = [];
  for (const [name, service] of Object.entries(services)) {
    if (!isObject(service) || service.build === undefined || service.build === null) continue;
    const build = typeof service.build === "string" ? { context: service.build } : service.build;
    if (!isObject(build)) continue;
    const decl: Declaration = { kind: "compose", file, at: `services.${name}`, dockerfile: null, context: null, args: {} };
    let unknown: string | null = null;
    const value = (v: unknown, what: string): string | null => {
      if (v === undefined || v === null) return null;
      const r = interpolate(String(v), vars());
      if (r === null) unknown ??= `${what} ${String(v)}`;
      return r;
    };
    if (build.dockerfile_inline !== undefined) continue;
    const context = value(build.context ?? ".", "context") ?? ".";
    if (/^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(context)) unknown ??= `the context is remote (${context})`;
    const dockerfile = value(build.dockerfile ?? "Dockerfile", "dockerfile") ?? "Dockerfile";
    const target = value(build.target, "target");
    for (const [k, v] of argEntries(build.args)) {
      if (v === null) {
        // `- NAME` takes NAME from the environment, which for compose includes the `.env` file.
        const fromEnv = vars().get(k);
        if (fromEnv !== undefined) decl.args[k] = fromEnv;
        else unknown ??= `args.${k} (its value comes from the environment)`;
        continue;
      }
      const r = value(v, `args.${k}`);
      if (r !== null) decl.args[k] = r;
    }
    out.push(settle(decl, dir, context, dockerfile, target, unknown));
  }
  return out;
}

/**
 * `<<` merge keys, and more aliases than the yaml package's default of 100:
 * compose files share settings through anchors (`x-common: &common`) far
 * more than that; the limit still bounds an alias bomb.
 */
export const YAML_OPTIONS = { merge: true, maxAliasCount: 10_000 } as const;

/** `args:` as a map or as a list of `NAME=VALUE` (a bare `NAME` takes the value from the environment: null). */
function argEntries(args: unknown): [string, unknown][] {
  if (Array.isArray(args)) {
    return args.map((a): [string, unknown] => {
      const s = String(a);
      const eq = s.indexOf("=");
      return eq > 0 ? [s.slice(0, eq), s.slice(eq + 1)] : [s, null];
    });
  }
  return isObject(args) ? Object.entries(args) : [];
}

/** Compose interpolation: `$$` is a dollar; null when a variable has neither a value nor a default. */
export function interpolate(text: string, vars: ReadonlyMap<string, string>): string | null {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c !== "$") {
      out += c;
      continue;
    }
    if (text[i + 1] === "$") {
      out += "$";
      i++;
      continue;
    }
    let name: string;
    let op = "";
    let fallback = "";
    if (text[i + 1] === "{") {
      const end = text.indexOf("}", i);
      if (end === -1) return null;
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?$/s.exec(text.slice(i + 2, end));
      if (!m) return null;
      [, name, op = "", fallback = ""] = m;
      i = end;
    } else {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1));
      if (!m) {
        out += "$";
        continue;
      }
      name = m[0];
      i += name.length;
    }
    const v = vars.get(name);
    const set = op.startsWith(":") ? v !== undefined && v !== "" : v !== undefined;
    if (op.endsWith("+")) out += set ? fallback : "";
    else if (set) out += v;
    else if (op.endsWith("-")) {
      const inner = interpolate(fallback, vars);
      if (inner === null) return null;
      out += inner;
    } else return null;
  }
  return out;
}

/** A `.env` file: `NAME=value` lines, `#` comments, optional quotes, `export ` prefixes. */
export function dotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/^export\s+/, "");
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) continue;
    let v = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(v)) v = v.slice(1, -1);
    else v = withoutComment(v);
    out.set(line.slice(0, eq).trim(), v);
  }
  return out;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The text before a ` #` comment (a `#` inside a word, as in a URL fragment, is kept). */
export function withoutComment(text: string): string {
  const hash = text.search(/\s#/);
  return hash === -1 ? text : text.slice(0, hash).trimEnd();
}

/**
 * A compose service's or bake target's build, made absolute: the context
 * against the file's folder, the Dockerfile against the context (as both
 * tools resolve them).
 */
export function settle(decl: Declaration, dir: string, context: string, dockerfile: string, target: string | null, unknown: string | null): Declaration {
  decl.context = resolve(dir, context);
  decl.dockerfile = isAbsolute(dockerfile) ? dockerfile : resolve(decl.context, dockerfile);
  if (target !== null) decl.target = target;
  if (unknown !== null) decl.unknown = unknown;
  return decl;
}
