/**
 * Generated cache cases for the differential test (differential.ts): small
 * Dockerfiles and build contexts made of the features the cache model claims
 * to handle, each with one change between two builds.
 *
 * Cases come from fast-check, seeded: the same seed gives the same cases.
 * RUN commands only use busybox and never fail (`|| true`), so a build fails
 * only when the Dockerfile or context is wrong (a COPY source excluded or
 * deleted), and such cases are counted, not compared.
 */
import fc from "fast-check";
import { loadContext, sourceMatcher } from "../../src/model/index.js";
import type { FileSpec } from "./scenarios.js";

/** A Dockerfile as blocks (one instruction each, heredocs included); `@BASE@` stands for the case's own base image. */
export type Blocks = (string | null)[];

export interface GenChange {
  /** Words for the report: "edit src/app.txt", "build-arg A=2". */
  what: string;
  write?: Record<string, string>;
  remove?: string[];
  rename?: [string, string];
  chmod?: Record<string, number>;
  /** Symlinks made again with a new target. */
  relink?: Record<string, string>;
  /** Build-arg values of the second build (replacing the first build's). */
  buildArgs?: Record<string, string>;
}

export interface GenCase {
  /** The Dockerfile before and after the change, block by block (null: absent in that version). */
  before: Blocks;
  after: Blocks;
  /** Context files other than the Dockerfile. */
  files: Record<string, FileSpec>;
  buildArgs: Record<string, string>;
  target?: string;
  change: GenChange;
}

export const BASE_PLACEHOLDER = "@BASE@";

export function renderDockerfile(blocks: Blocks, base: string): string {
  return blocks.filter((b): b is string => b !== null).join("\n").split(BASE_PLACEHOLDER).join(base) + "\n";
}

type Gen = fc.GeneratorValue;

const pick = <T>(g: Gen, xs: readonly T[]): T => g(fc.constantFrom, ...xs);
const chance = (g: Gen, p: number): boolean => g(fc.integer, { min: 0, max: 999 }) < p * 1000;
const int = (g: Gen, min: number, max: number): number => g(fc.integer, { min, max });

/** Every context file a case may hold (a random subset is written). */
const FILE_POOL: Record<string, FileSpec> = {
  "a.txt": "a\n",
  "b.txt": "b\n",
  "src/app.txt": "app\n",
  "src/lib/util.txt": "util\n",
  "src/notes.md": "notes\n",
  "docs/guide.md": "guide\n",
  "docs/keep.md": "keep\n",
  "conf/prod.conf": "mode=prod\n",
  "conf/dev.conf": "mode=dev\n",
  "run.sh": { content: "echo run\n", mode: 0o755 },
  "cur.conf": { link: "conf/prod.conf" },
  curdir: { link: "src" },
  "src/shared.txt": { link: "../b.txt" },
};

const IGNORE_POOL = ["*.md", "docs/", "!docs/keep.md", "**/*.md", "src/lib", "Dockerfile", ".dockerignore", "conf/dev.conf", "b.txt", "**/util.txt"];

const COPY_SOURCES = [".", "a.txt", "b.txt", "src/", "src", "*.txt", "conf/*.conf", "cur.conf", "curdir/", "docs", "run.sh", "src/*.txt", "src/lib/util.txt", "conf"];

const VARS = ["A", "B", "V"];

interface StageState {
  name: string;
  /** Paths a later `COPY --from` may read. */
  paths: string[];
  onbuild: boolean;
}

/**
 * The COPY sources a context can serve: BuildKit fails a build whose source
 * is missing or excluded, and such a case compares nothing.
 */
function servedSources(files: Record<string, FileSpec>): { sources: string[]; files: string[] } {
  const context = loadContext(null, { ignoreText: typeof files[".dockerignore"] === "string" ? files[".dockerignore"] : "" });
  const target = (path: string): string => {
    const spec = files[path];
    return typeof spec === "object" && "link" in spec ? (path.includes("/") ? `${path.slice(0, path.lastIndexOf("/"))}/${spec.link}` : spec.link) : path;
  };
  const sent = Object.keys(files).filter((f) => !context.isIgnored(f));
  const serves = (src: string): boolean => {
    if (src === ".") return true;
    const clean = src.replace(/\/$/, "");
    const resolved = clean in files ? target(clean) : clean;
    const m = sourceMatcher(resolved);
    return sent.some((f) => m(f)) && (!(clean in files) || !context.isIgnored(clean));
  };
  return { sources: COPY_SOURCES.filter(serves), files: sent.filter((f) => typeof files[f] !== "object" || !("link" in (files[f] as object))) };
}

function instruction(g: Gen, n: number, stages: StageState[], me: StageState, files: readonly string[], sources: readonly string[]): string {
  const v = pick(g, VARS);
  const earlier = stages.filter((s) => s !== me);
  const kinds = ["arg", "env", "workdir", "user", "label", "run", "run-out", "run-heredoc", "copy", "copy", "copy", "copy-heredoc", "add", "mount-bind", "mount-cache"];
  if (earlier.length > 0) kinds.push("copy-from", "copy-from", "mount-from");
  if (!me.onbuild) kinds.push("onbuild");
  switch (pick(g, kinds)) {
    case "arg":
      return chance(g, 0.5) ? `ARG ${v}` : `ARG ${v}=${pick(g, ["1", "x", "", "d"])}`;
    case "env":
      return pick(g, [`ENV ${v}=e${n}`, `ENV ${v}=$${pick(g, VARS)}`, `ENV ${v}=\${${pick(g, VARS)}:-d}`, `ENV W${n}=$${v}`]);
    case "workdir":
      return pick(g, ["WORKDIR /w", "WORKDIR /app", "WORKDIR sub", `WORKDIR /w/$${v}`]);
    case "user":
      return pick(g, ["USER 1000", "USER root", `USER $${v}`]);
    case "label":
      return `LABEL l${n}=$${v}`;
    case "run":
      return pick(g, [`RUN echo r${n} > /dev/null`, `RUN echo r${n} $${v} > /dev/null`]);
    case "run-out":
      me.paths.push("/etc");
      return `RUN (echo r${n} $${v} > /etc/r${n}) 2>/dev/null || true`;
    case "run-heredoc":
      return `RUN <<EOF\necho h${n} $${v} > /dev/null\nEOF`;
    case "copy": {
      const src = pick(g, sources.length > 0 ? sources : ["."]);
      const dest = pick(g, ["/app/", `/app/c${n}/`, "./", `c${n}`]);
      const flag = pick(g, ["", "", "", "--link ", "--chmod=755 "]);
      if (dest.startsWith("/app")) me.paths.push("/app");
      return `COPY ${flag}${src} ${dest}`;
    }
    case "copy-heredoc":
      me.paths.push("/app");
      return chance(g, 0.5) ? `COPY <<EOF /app/h${n}\nv=\${${v}}\nEOF` : `COPY <<"EOF" /app/h${n}\nv=\${${v}}\nEOF`;
    case "add":
      me.paths.push("/app");
      return `ADD ${pick(g, ["a.txt", "src/", "conf/prod.conf", "cur.conf"].filter((x) => sources.includes(x)).concat(["."]))} /app/added${n}/`;
    case "mount-bind": {
      const src = files.length > 0 ? pick(g, files) : "a.txt";
      return chance(g, 0.3)
        ? `RUN --mount=type=bind,target=/ctx ls -R /ctx > /dev/null`
        : `RUN --mount=type=bind,source=${src},target=/m cat /m > /dev/null 2>&1 || true`;
    }
    case "mount-cache":
      return `RUN --mount=type=cache,target=/c (echo x >> /c/log) 2>/dev/null || true`;
    case "copy-from": {
      const from = pick(g, earlier);
      const path = from.paths.length > 0 ? pick(g, from.paths) : "/etc";
      return `COPY --from=${from.name} ${path} /from-${from.name}${n}/`;
    }
    case "mount-from": {
      const from = pick(g, earlier);
      return `RUN --mount=type=bind,from=${from.name},source=/etc,target=/m ls /m > /dev/null`;
    }
    case "onbuild":
      me.onbuild = true;
      return pick(g, [`ONBUILD RUN echo onbuild${n} > /dev/null`, "ONBUILD COPY a.txt /app/onbuild.txt"]);
  }
  return `RUN echo r${n} > /dev/null`;
}

/** One stage: its FROM and instructions, as blocks. */
function stage(g: Gen, index: number, stages: StageState[], served: { sources: string[]; files: string[] }, counter: { n: number }, picker: boolean): string[] {
  const me: StageState = { name: `s${index}`, paths: ["/etc"], onbuild: false };
  let from = `FROM ${BASE_PLACEHOLDER}`;
  if (stages.length > 0 && chance(g, 0.35)) {
    const base = pick(g, stages);
    from = `FROM ${base.name}`;
    me.paths.push(...base.paths);
  } else if (picker && stages.length >= 2 && chance(g, 0.5)) {
    from = "FROM s${PICK}";
  }
  const blocks = [`${from} AS ${me.name}`];
  const count = int(g, 1, 5);
  for (let i = 0; i < count; i++) blocks.push(instruction(g, counter.n++, stages, me, served.files, served.sources));
  stages.push(me);
  return blocks;
}

/** One change; an inserted instruction also adds an empty slot to the blocks before it. */
function change(g: Gen, c: Omit<GenCase, "change" | "after">, counter: { n: number }, files: string[], served: { sources: string[]; files: string[] }): { change: GenChange; after: Blocks; before?: Blocks } {
  const regular = files.filter((f) => typeof c.files[f] !== "object" || !("link" in (c.files[f] as object)));
  const kinds = ["edit", "edit", "add", "delete", "rename", "chmod", "build-arg", "build-arg", "dockerfile", "dockerfile", "relink", "ignore"];
  const kind = pick(g, kinds);
  const after = [...c.before];
  switch (kind) {
    case "edit": {
      if (regular.length === 0) break;
      const f = pick(g, regular);
      const old = c.files[f];
      const text = typeof old === "string" ? old : "content" in old ? old.content : "";
      return { change: { what: `edit ${f}`, write: { [f]: `${text}edited ${counter.n}\n` } }, after };
    }
    case "add": {
      const f = pick(g, ["new.txt", "src/new.txt", "docs/new.md", "src/lib/new.txt", "conf/new.conf", "new.md"]);
      return { change: { what: `add ${f}`, write: { [f]: "new file\n" } }, after };
    }
    case "delete": {
      if (files.length === 0) break;
      const f = pick(g, files);
      return { change: { what: `delete ${f}`, remove: [f] }, after };
    }
    case "rename": {
      if (regular.length === 0) break;
      const f = pick(g, regular);
      const to = pick(g, ["renamed.txt", "src/renamed.txt", "docs/renamed.md"]);
      return { change: { what: `rename ${f} to ${to}`, rename: [f, to] }, after };
    }
    case "chmod": {
      if (regular.length === 0) break;
      const f = pick(g, regular);
      const mode = typeof c.files[f] === "object" && "mode" in (c.files[f] as object) ? 0o644 : 0o755;
      return { change: { what: `chmod ${mode.toString(8)} ${f}`, chmod: { [f]: mode } }, after };
    }
    case "ignore": {
      const old = typeof c.files[".dockerignore"] === "string" ? c.files[".dockerignore"] : "";
      const line = pick(g, IGNORE_POOL.filter((l) => !l.startsWith("!") && !old.split("\n").includes(l)).concat(["new-pattern"]));
      return { change: { what: `.dockerignore gains ${line}`, write: { ".dockerignore": `${old}${line}\n` } }, after };
    }
    case "relink":
      return { change: { what: "cur.conf now links to conf/dev.conf", relink: { "cur.conf": "conf/dev.conf" } }, after };
    case "build-arg": {
      const name = pick(g, [...VARS, "PICK"]);
      const value = name === "PICK" ? pick(g, ["0", "1"]) : pick(g, ["1", "2", "", "x", "d", "e0"]);
      return { change: { what: `build-arg ${name}=${value}`, buildArgs: { ...c.buildArgs, [name]: value } }, after };
    }
    case "dockerfile": {
      // Replace, insert or delete one instruction after a FROM.
      const spots = c.before.map((b, i) => (b !== null && !b.startsWith("FROM ") ? i : -1)).filter((i) => i !== -1);
      const op = spots.length === 0 ? "insert" : pick(g, ["replace", "insert", "delete"]);
      const stagesNow: StageState[] = [];
      const me: StageState = { name: "sx", paths: ["/etc"], onbuild: true };
      const fresh = instruction(g, counter.n++, stagesNow, me, served.files, served.sources);
      if (op === "insert") {
        const froms = c.before.map((b, i) => (b?.startsWith("FROM ") ? i : -1)).filter((i) => i !== -1);
        const at = pick(g, [...spots, ...froms]) + 1;
        const before = [...c.before.slice(0, at), null, ...c.before.slice(at)];
        const edited = [...before];
        edited[at] = fresh;
        return { change: { what: `Dockerfile: insert ${fresh.split("\n")[0]}` }, after: edited, before };
      }
      const at = pick(g, spots);
      after[at] = op === "delete" ? null : fresh;
      return { change: { what: `Dockerfile: ${op} ${c.before[at]?.split("\n")[0]}${op === "replace" ? ` with ${fresh.split("\n")[0]}` : ""}` }, after };
    }
  }
  return { change: { what: "edit a.txt", write: { "a.txt": `a edited ${counter.n}\n` } }, after };
}

/** The arbitrary of generated cases. */
export const genCase: fc.Arbitrary<GenCase> = fc.gen().map((g): GenCase => {
  const files: Record<string, FileSpec> = {};
  for (const [path, spec] of Object.entries(FILE_POOL)) if (chance(g, 0.6)) files[path] = spec;
  if (!("a.txt" in files)) files["a.txt"] = FILE_POOL["a.txt"];
  if (chance(g, 0.5)) {
    const lines = IGNORE_POOL.filter(() => chance(g, 0.3));
    // A `!` exception only means something after the pattern it undoes.
    files[".dockerignore"] = lines.filter((l) => !l.startsWith("!")).concat(lines.filter((l) => l.startsWith("!"))).join("\n") + "\n";
  }
  const paths = Object.keys(files).filter((f) => f !== ".dockerignore");
  const served = servedSources(files);
  const blocks: string[] = [];
  const picker = chance(g, 0.2);
  if (picker) blocks.push("ARG PICK=0");
  if (chance(g, 0.3)) blocks.push(`ARG ${pick(g, VARS)}=${pick(g, ["1", "g"])}`);
  const stages: StageState[] = [];
  const counter = { n: 1 };
  const count = int(g, 1, 3);
  for (let i = 0; i < count; i++) blocks.push(...stage(g, i, stages, served, counter, picker));
  const buildArgs: Record<string, string> = {};
  if (chance(g, 0.2)) buildArgs[pick(g, VARS)] = pick(g, ["1", "2", "x"]);
  const target = stages.length > 1 && chance(g, 0.2) ? pick(g, stages.slice(0, -1)).name : undefined;
  const base = { before: blocks, files, buildArgs, target };
  const made = change(g, base, counter, paths, served);
  return { ...base, before: made.before ?? blocks, after: made.after, change: made.change };
});

/** `n` cases of a seed, the same every time. */
export function generateCases(seed: number, n: number): GenCase[] {
  return fc.sample(genCase, { seed, numRuns: n });
}
