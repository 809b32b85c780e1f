import { defineRule } from "../../src/engine/define.js";
import type { Instruction } from "../../src/parse/index.js";
import { isContextDirectory, sendsContentsOf, type BuildContext } from "../../src/model/context.js";
import { volatilePathsCopied, type VolatileKind, type VolatilePath } from "../../src/model/volatile.js";

const WHY: Readonly<Record<VolatileKind, string>> = {
  vcs: "changes on every commit",
  dependencies: "changes with every local install",
  cache: "changes on every local run",
  "build-output": "changes on every local build",
  secret: "a secret that would ship in the layer",
};

/** Names whose every occurrence should be excluded: `**\/name` covers them at any depth. */
const ANYWHERE = new Set(["node_modules", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".venv", ".turbo", ".next", ".nuxt", ".env"]);

export default defineRule({
  id: "context-not-ignored",
  meta: {
    description: "A broad COPY/ADD sends volatile or secret paths of the context on disk (.git, node_modules, caches, .env) that .dockerignore does not exclude",
    severity: "warning",
    fixable: false,
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    volatile: (d: Details) =>
      `\`${d.copy}\` sends ${d.paths}, ${d.notExcluded}: this COPY and every step after it re-run whenever they change; ${d.remedy}`,
    secret: (d: Details) =>
      `\`${d.copy}\` sends ${d.paths}, ${d.notExcluded}: it ends up in the image layer and re-runs the steps after it when it changes; ${d.remedy}`,
  },
  create(ctx) {
    const { model } = ctx;
    const reported = new Set<string>();
    // Build output counts as volatile only when the Dockerfile makes it itself.
    // Worked out on the first broad COPY of a context on disk: most files linted have neither.
    let builds: { js: boolean; rust: boolean; java: boolean } | null = null;
    const buildsOf = (): { js: boolean; rust: boolean; java: boolean } => {
      if (builds) return builds;
      const scripts = model.infos.filter((i) => i.instruction.keyword === "RUN").map((i) => model.script(i.instruction)).join("\n");
      builds = {
        js: /\b(npm|pnpm|yarn|bun)\s+(run\s+)?build\b|\b(vite|next|nuxt|tsc|webpack|ng)\s+build\b|\btsc\b/.test(scripts),
        rust: /\bcargo\s+(build|install)\b/.test(scripts),
        java: /\b(mvn|mvnw|gradle|gradlew)\b/.test(scripts),
      };
      return builds;
    };
    const check = (ins: Instruction): void => {
      if (ins.onbuild || model.context.root === null) return;
      if (!model.isBroadCopy(ins)) return;
      const fresh = volatilePathsCopied(model, ins, buildsOf()).filter((p) => !reported.has(p.path) && reaches(model.context, p));
      if (fresh.length === 0) return;
      fresh.forEach((p) => reported.add(p.path));
      const patterns = [...new Set(fresh.map(pattern))].map((p) => `\`${p}\``).join(", ");
      const ignoreFile = model.context.ignoreFile;
      const data: Details = {
        copy: firstLine(ins.source),
        paths: describe(fresh),
        notExcluded: ignoreFile ? `not excluded by ${ignoreFile}` : "and the context has no .dockerignore",
        remedy: ignoreFile ? `add ${patterns} to ${ignoreFile}` : `create .dockerignore at the context root with ${patterns}`,
      };
      const secretOnly = fresh.every((p) => p.kind === "secret");
      ctx.report({ node: ins, message: secretOnly ? ctx.messages.secret(data) : ctx.messages.volatile(data) });
    };
    return { COPY: check, ADD: check };
  },
});

interface Details {
  copy: string;
  paths: string;
  notExcluded: string;
  remedy: string;
}

/**
 * Whether volatile content of a path found by name reaches the COPY. A
 * directory does only when something below it is sent: with `.git/*` or
 * `node_modules/**` only its empty entry is, and that does not change. A
 * `.git` that is a file is a submodule's one-line `gitdir:` pointer, and a
 * `coverage` that is a file, or a directory without a package.json next to
 * it (a Go package named coverage), is not a test runner's output.
 */
function reaches(context: BuildContext, p: VolatilePath): boolean {
  const name = p.path.slice(p.path.lastIndexOf("/") + 1);
  if (!isContextDirectory(context, p.path)) return p.kind !== "vcs" && name !== "coverage";
  if (name === "coverage" && !context.exists(p.path.slice(0, p.path.length - name.length) + "package.json")) return false;
  return sendsContentsOf(context, p.path);
}

function describe(paths: readonly VolatilePath[]): string {
  const shown = paths.slice(0, 4).map((p) => `\`${p.path}\` (${WHY[p.kind]})`);
  if (paths.length > 4) shown.push(`${paths.length - 4} more`);
  return shown.join(", ");
}

function pattern(p: VolatilePath): string {
  const name = p.path.slice(p.path.lastIndexOf("/") + 1);
  if (!p.path.includes("/")) return p.path;
  return ANYWHERE.has(name) ? `**/${name}` : p.path;
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/)[0].replace(/(?<!\s)\s*\\$/, "");
  return line.length > 60 ? line.slice(0, 57) + "..." : line;
}
