import { dirname } from "node:path";
import { interpolate, isObject, settle } from "./compose.js";
import type { Declaration } from "./types.js";

/**
 * Bake targets (`docker-bake.hcl`, `docker-bake.json`): `context`,
 * `dockerfile`, `target`, `args`, `inherits`, with `${VAR}` taken from the
 * variables' defaults. The context is relative to the bake file's folder
 * (where `docker buildx bake` runs), the dockerfile to the context.
 *
 * HCL is read with @cdktf/hcl2json: HashiCorp's own Go HCL parser compiled
 * to WebAssembly, so that it reads what `buildx bake` reads (heredocs,
 * blocks repeated, comments of all three kinds); it ships its wasm inside
 * the package (nothing is downloaded when it runs) and works on Node 20.
 * The pure JavaScript HCL parsers on npm are HCL1-only or unmaintained. It
 * costs a few hundred milliseconds to instantiate, so it is loaded only
 * when a repository has an HCL bake file.
 */
export async function bakeDeclarations(file: string, text: string): Promise<Declaration[]> {
  const data = file.endsWith(".json") ? (JSON.parse(text) as unknown) : await parseHcl(file, text);
  if (!isObject(data)) return [];
  const targets = blocks(data.target);
  const vars = new Map<string, string>();
  // A variable whose default is null (or absent) is unset: an argument that is only that variable is not passed at all.
  const unset = new Set<string>();
  for (const [name, v] of blocks(data.variable)) {
    if (v.default === undefined || v.default === null) unset.add(name);
    vars.set(name, v.default === undefined || v.default === null ? "" : String(v.default));
  }
  // A default may name another variable (`default = TEST_CONTEXT`); one that cannot be resolved is unknown.
  for (let round = 0; round < 5; round++) {
    for (const [name, value] of vars) {
      if (!value.includes("${")) continue;
      const r = interpolate(value, vars);
      if (r === null) vars.delete(name);
      else vars.set(name, r);
    }
  }
  const dir = dirname(file);
  const out: Declaration[] = [];
  // A target that others inherit is their template, and an empty one is a placeholder (the metadata action's
  // `docker-metadata-action` target): neither is a build of its own.
  const inherited = new Set([...targets.values()].flatMap((t) => (Array.isArray(t.inherits) ? t.inherits.map(String) : [])));
  for (const name of targets.keys()) {
    if (inherited.has(name) || Object.keys(targets.get(name) ?? {}).length === 0) continue;
    const t = flatten(name, targets, new Set());
    const decl: Declaration = { kind: "bake", file, at: `target.${name}`, dockerfile: null, context: null, args: {} };
    let unknown: string | null = null;
    const value = (v: unknown, what: string): string | null => {
      if (v === undefined || v === null) return null;
      const only = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(String(v));
      if (only && unset.has(only[1])) return null;
      const r = interpolate(String(v), vars);
      if (r === null) unknown ??= `${what} ${String(v)}`;
      return r;
    };
    if (t["dockerfile-inline"] !== undefined) continue;
    const context = value(t.context ?? ".", "context") ?? ".";
    if (/^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(context)) unknown ??= `the context is remote (${context})`;
    const dockerfile = value(t.dockerfile ?? "Dockerfile", "dockerfile") ?? "Dockerfile";
    const target = value(t.target, "target");
    if (isObject(t.args)) {
      for (const [k, v] of Object.entries(t.args)) {
        const r = value(v, `args.${k}`);
        if (r !== null) decl.args[k] = r;
      }
    }
    out.push(settle(decl, dir, context, dockerfile, target, unknown));
  }
  return out;
}

async function parseHcl(file: string, text: string): Promise<unknown> {
  const { parse } = await import("@cdktf/hcl2json");
  return parse(file, text);
}

/** Blocks by name: hcl2json gives each as a list of bodies (one per repetition, merged here); JSON bake gives one object. */
function blocks(v: unknown): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  if (!isObject(v)) return out;
  for (const [name, body] of Object.entries(v)) {
    const bodies = Array.isArray(body) ? body : [body];
    out.set(name, Object.assign({}, ...bodies.filter(isObject)) as Record<string, unknown>);
  }
  return out;
}

/** A target with what it inherits: parents first, in order, then its own keys; `args` merged key by key. */
function flatten(name: string, targets: Map<string, Record<string, unknown>>, seen: Set<string>): Record<string, unknown> {
  const own = targets.get(name);
  if (!own || seen.has(name)) return {};
  seen.add(name);
  const result: Record<string, unknown> = {};
  const parents = Array.isArray(own.inherits) ? own.inherits.map(String) : [];
  for (const p of [...parents.map((p) => flatten(p, targets, seen)), own]) {
    for (const [k, v] of Object.entries(p)) {
      if (k === "args" && isObject(v) && isObject(result.args)) result.args = { ...result.args, ...v };
      else result[k] = v;
    }
  }
  seen.delete(name);
  return result;
}
