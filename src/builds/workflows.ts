import { resolve } from "node:path";
import { parse } from "yaml";
import { buildsInScript, type CommandBuild } from "./command.js";
import { isObject, YAML_OPTIONS } from "./compose.js";
import type { Declaration, SourceKind } from "./types.js";

/**
 * GitHub Actions workflows: `docker/build-push-action` steps (and its drop-in fork `useblacksmith/build-push-action`) (`context`,
 * `file`, `target`, `build-args`) and `run:` scripts, which start in the
 * repository root or the `working-directory` in force. The action's `file`
 * is relative to the workspace, like `docker build -f`; without `context`
 * the action builds the repository as checked out, the root.
 */
export function workflowDeclarations(file: string, text: string, root: string): Declaration[] {
  const doc = parse(text, YAML_OPTIONS) as unknown;
  if (!isObject(doc) || !isObject(doc.jobs)) return [];
  const out: Declaration[] = [];
  const workflowEnv = literalEnv(doc.env);
  for (const [jobId, job] of Object.entries(doc.jobs)) {
    if (!isObject(job) || !Array.isArray(job.steps)) continue;
    const jobEnv = { ...workflowEnv, ...literalEnv(job.env) };
    const defaultDir = runDirectory(job.defaults) ?? runDirectory(doc.defaults);
    job.steps.forEach((step: unknown, i) => {
      if (!isObject(step)) return;
      const at = `jobs.${jobId}.steps[${i}]`;
      const env = { ...jobEnv, ...literalEnv(step.env) };
      if (typeof step.uses === "string" && /^(docker|useblacksmith)\/build-push-action@/.test(step.uses)) {
        out.push(buildPushAction(file, at, isObject(step.with) ? step.with : {}, root, env));
      } else if (typeof step.run === "string") {
        const dir = typeof step["working-directory"] === "string" ? step["working-directory"] : defaultDir;
        const cwd = dir === null ? root : dir.includes("${{") ? null : resolve(root, dir);
        for (const b of buildsInScript(withWorkspace(step.run, root), { cwd, vars: env })) out.push(fromCommand("github", file, `${at}.run`, b));
      }
    });
  }
  return out;
}

/** GitLab CI: `script`, `before_script` and `after_script` of each job, run in the project's root. */
export function gitlabDeclarations(file: string, text: string, root: string): Declaration[] {
  const doc = parse(text, YAML_OPTIONS) as unknown;
  if (!isObject(doc)) return [];
  const out: Declaration[] = [];
  const globalEnv = { CI_PROJECT_DIR: root, ...literalEnv(doc.variables) };
  for (const [jobId, job] of Object.entries(doc)) {
    if (!isObject(job)) continue;
    const env = { ...globalEnv, ...literalEnv(job.variables) };
    for (const key of ["before_script", "script", "after_script"]) {
      const lines = job[key];
      const script = Array.isArray(lines) ? lines.flat(3).map(String).join("\n") : typeof lines === "string" ? lines : null;
      if (script === null) continue;
      for (const b of buildsInScript(script, { cwd: root, vars: env })) out.push(fromCommand("gitlab", file, `${jobId}.${key}`, b));
    }
  }
  return out;
}

export function fromCommand(kind: SourceKind, file: string, at: string, b: CommandBuild): Declaration {
  return {
    kind,
    file,
    at,
    dockerfile: b.dockerfile,
    context: b.context,
    ...(b.target !== undefined ? { target: b.target } : {}),
    args: b.args,
    ...(b.unknown !== undefined ? { unknown: b.unknown } : {}),
  };
}

function buildPushAction(file: string, at: string, w: Record<string, unknown>, root: string, env: Record<string, string>): Declaration {
  const decl: Declaration = { kind: "github", file, at, dockerfile: null, context: null, args: {} };
  let unknown: string | null = null;
  const value = (v: unknown, what: string): string | null => {
    if (v === undefined || v === null) return null;
    const s = withWorkspace(String(v), root).replace(/\$\{\{\s*env\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (m, name: string) => env[name] ?? m);
    if (s.includes("${{")) {
      unknown ??= `${what}: ${s.trim()}`;
      return null;
    }
    return s.trim();
  };
  // `{{defaultContext}}` is the action's name for the Git context: the repository as checked out.
  const context = (value(w.context, "context") ?? ".").replace(/^\{\{\s*defaultContext\s*\}\}(:)?/, "");
  if (/^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(context)) unknown ??= `the context is remote (${context})`;
  decl.context = resolve(root, context || ".");
  const dockerfile = value(w.file, "file");
  decl.dockerfile = dockerfile === null ? resolve(decl.context, "Dockerfile") : resolve(root, dockerfile);
  const target = value(w.target, "target");
  if (target !== null && target !== "") decl.target = target;
  const args = value(w["build-args"], "build-args");
  for (const line of (args ?? "").split(/\r?\n/)) {
    const l = line.trim();
    if (l === "") continue;
    const eq = l.indexOf("=");
    if (eq <= 0) unknown ??= `build-args ${l}`;
    else decl.args[l.slice(0, eq)] = l.slice(eq + 1);
  }
  if (unknown !== null) decl.unknown = unknown;
  return decl;
}

function withWorkspace(text: string, root: string): string {
  return text.replace(/\$\{\{\s*github\.workspace\s*\}\}/g, root);
}

function runDirectory(defaults: unknown): string | null {
  const run = isObject(defaults) ? defaults.run : undefined;
  return isObject(run) && typeof run["working-directory"] === "string" ? run["working-directory"] : null;
}

/** The values of an `env:` / `variables:` map that hold no expression (those are unknown until the run). */
function literalEnv(env: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(env)) return out;
  for (const [k, v] of Object.entries(env)) {
    const s = isObject(v) && "value" in v ? v.value : v;
    if ((typeof s === "string" || typeof s === "number" || typeof s === "boolean") && !String(s).includes("${{") && !String(s).includes("$")) out[k] = String(s);
  }
  return out;
}
