/**
 * Proof that autofixes keep the build working and do what they claim, on
 * real BuildKit. Cases live in the rule folders: rules/<rule-id>/buildkit/<case>/
 * holds a Dockerfile, the context files and case.json (format in README.md).
 *
 * For each case: layerlint fixes the Dockerfile with the folder's rule only;
 * the original and the fixed file are built, each RUN followed by a RUN that
 * records its environment (`env | sort` and `id`, in a file named by the
 * content's hash under /tmp); (1) both build; (2) the final
 * images' file trees are identical ("same-tree", except for the owner of the
 * `ownerOnly` paths) or the fixed one is the original minus some files under
 * the `removed` prefixes ("smaller"); with `shipped`, the files the layers
 * carry (deleted ones included) drop as the fix claims; (3) when case.json
 * names a `step`: after a change (a context file, a build argument's value or
 * an edit of both Dockerfiles), the step RAN in the original and stayed
 * CACHED in the fixed file (or the reverse, `"rerun": "refreshed"`); (4) the
 * final images hold the same set of recorded environments: a fix that runs a
 * step with another ENV, ARG, USER or WORKDIR fails here, whatever the
 * trees. The build arguments a case changes (`buildArgChange`) are left out
 * of the records: taking a volatile ARG out of the scope of steps that do
 * not read it is what volatile-arg-early does. Rules
 * about layer size, not the cache, name no step. The fields are documented
 * on CaseSpec below.
 *
 * Package managers do not exist in the busybox base: the stand-ins of
 * toolbox/ (busybox sh scripts that read exactly the manifests the real
 * tool reads) are put into /usr/local/bin of an image tagged `localbase`
 * for the duration of this file, so the Dockerfiles under test stay as
 * written.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync, mkdtempSync, cpSync, chmodSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rules } from "../../rules/index.js";
import { instructionLines } from "../../src/fix/edits.js";
import { fixSource } from "../../src/lint.js";
import { parse } from "../../src/parse/index.js";
import { fromString } from "../../src/read.js";
import { diffTrees, effectiveStatus, formatSteps, getEngine, writeContext, type BuildResult, type BuiltStep, type Tree } from "./harness.js";

const ROOT = join(import.meta.dirname, "..", "..");
const RULES_DIR = join(ROOT, "rules");
const TOOLBOX_DIR = join(import.meta.dirname, "toolbox");
const BASE = "localbase:latest";
const TOOLBOX_IMAGE = "layerlint-proof-toolbox:latest";

interface CaseSpec {
  /** Context file to change (relative to the case directory). */
  change?: string;
  /** A build argument's value before and after the change (instead of, or with, `change`). */
  buildArgChange?: Record<string, [string, string]>;
  /** A text replaced in both Dockerfiles after the first builds (a user's edit); "{run}" in the new text becomes a per-run number. */
  dockerfileEdit?: [string, string];
  /** "rerun-less" (default): after the change `step` RAN in the original and stayed CACHED in the fixed file;
   * "refreshed": the reverse, for fixes that make a step re-run when it should (an index update joined to its install). */
  rerun?: "rerun-less" | "refreshed";
  /** Instruction text (as BuildKit prints it, a prefix is enough) that re-runs in the original after the change.
   * Without it, the re-run check is skipped: rules about layer size, not the cache. */
  step?: string;
  /** The step that must stay cached in the fixed file, when it is another one (a dependency-only step the fix added). */
  fixedStep?: string;
  expect: "same-tree" | "smaller";
  /** Apply unsafe fixes too. */
  unsafe?: boolean;
  /** false: lint as if the context were not on disk (the fix then copies optional files by patterns). */
  lintContext?: boolean;
  /** "smaller": the path prefixes under which every removed path must lie ("/root/.npm/"). */
  removed?: string[];
  /** "same-tree": paths that may differ in owner (uid/gid) only, and must differ, for fixes that leave a pre-existing directory's owner alone. */
  ownerOnly?: string[];
  /**
   * What the layers stop shipping (files counted in every layer, also those a later layer deletes):
   * "removed-files": exactly the files the original ships but the fixed image's tree lacks;
   * "duplicates": only extra copies of files the fixed image still ships and holds.
   */
  shipped?: "removed-files" | "duplicates";
}

interface ProofCase {
  rule: string;
  name: string;
  dir: string;
  spec: CaseSpec;
}

function proofCases(): ProofCase[] {
  const out: ProofCase[] = [];
  for (const rule of readdirSync(RULES_DIR).sort()) {
    const dir = join(RULES_DIR, rule, "buildkit");
    if (!existsSync(dir) || !statSync(dir).isDirectory()) continue;
    for (const name of readdirSync(dir).sort()) {
      const caseDir = join(dir, name);
      if (!existsSync(join(caseDir, "case.json"))) continue;
      out.push({ rule, name, dir: caseDir, spec: JSON.parse(readFileSync(join(caseDir, "case.json"), "utf8")) as CaseSpec });
    }
  }
  return out;
}

/** Every file of the case directory but case.json, with its mode. */
function contextFiles(dir: string): Record<string, { content: Buffer; mode: number }> {
  const files: Record<string, { content: Buffer; mode: number }> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && !(d === dir && e.name === "case.json")) files[relative(dir, p)] = { content: readFileSync(p), mode: statSync(p).mode & 0o7777 };
    }
  };
  walk(dir);
  return files;
}

function findStep(steps: readonly BuiltStep[], text: string): BuiltStep | undefined {
  const norm = (s: string): string => s.replace(/\s+/g, " ").trim();
  return steps.find((s) => norm(s.instruction).startsWith(norm(text)));
}

function tagOf(c: ProofCase, which: string): string {
  return `layerlint-proof-${c.rule}-${c.name}:${which}`.toLowerCase().replace(/[^a-z0-9:._-]/g, "-");
}

/** Where the recording RUNs leave each environment seen (a file per distinct environment). */
const ENV_RECORD = "/tmp/layerlint-env-";

/**
 * The Dockerfile with a RUN after every RUN that writes what that RUN saw:
 * the same ENV, ARGs, USER, WORKDIR and SHELL, since nothing lies between
 * them. Named by a hash of the content, so that the two images can be
 * compared as sets of environments whatever the number and order of RUNs.
 */
export function recordEnvironments(text: string, hidden: readonly string[]): string {
  const file = parse(fromString(text));
  const filter = hidden.map((n) => ` | grep -v '^${n}='`).join("");
  const tmp = "/tmp/.layerlint-env";
  const record = `RUN { env${filter} | sort; id; } > ${tmp} && mv ${tmp} "${ENV_RECORD}$(md5sum < ${tmp} | cut -c1-32)"${file.source.eol}`;
  const ends = file.instructions.filter((i) => i.keyword === "RUN" && !i.onbuild).map((i) => instructionLines(file, i).end);
  let out = text;
  for (const end of ends.sort((a, b) => b - a)) out = `${out.slice(0, end)}${out[end - 1] === "\n" || end === 0 ? "" : file.source.eol}${record}${out.slice(end)}`;
  // The records of the other stages join the final image, each stage's in a folder of its own.
  const last = file.stages[file.stages.length - 1];
  const gather = file.stages
    .filter((st) => st !== last && st.instructions.some((i) => i.keyword === "RUN" && !i.onbuild))
    .map((st) => `COPY --from=${st.name ?? st.index} ${ENV_RECORD}* ${ENV_RECORD}from-${st.index}/${file.source.eol}`);
  if (gather.length > 0) out = `${out}${/\n$/.test(out) ? "" : file.source.eol}${gather.join("")}`;
  return out;
}

function runCount(text: string): number {
  return parse(fromString(text)).instructions.filter((i) => i.keyword === "RUN" && !i.onbuild).length;
}

function environments(tree: Tree): string[] {
  return [...tree.keys()].filter((k) => k.startsWith(ENV_RECORD)).sort();
}

const cases = proofCases();
const figures: { name: string; builds: number; seconds: number; ok: boolean; note: string }[] = [];
let originalBase = "";

describe("autofixes on real BuildKit", () => {
  beforeAll(async () => {
    const engine = getEngine();
    const inspect = await engine.docker(["image", "inspect", "-f", "{{.Id}}", BASE]);
    if (inspect.code !== 0) throw new Error(`no ${BASE}: ${inspect.stderr}`);
    originalBase = inspect.stdout.toString("utf8").trim();
    // The toolbox image: the base plus the stand-ins in /usr/local/bin (on PATH).
    const ctx = mkdtempSync(join(tmpdir(), "layerlint-toolbox-"));
    cpSync(TOOLBOX_DIR, join(ctx, "bin"), { recursive: true });
    writeFileSync(join(ctx, "Dockerfile"), `FROM ${BASE}\nCOPY --chmod=755 bin/ /usr/local/bin/\n`);
    chmodSync(ctx, 0o755);
    const built = await engine.docker(["build", "--network=none", "-q", "-t", TOOLBOX_IMAGE, ctx], 120_000);
    if (built.code !== 0) throw new Error(`building the toolbox image failed: ${built.stderr}`);
    // The harness tags the base as every FROM image: make the toolbox that base while this file runs.
    const tagged = await engine.docker(["tag", TOOLBOX_IMAGE, BASE]);
    if (tagged.code !== 0) throw new Error(`docker tag failed: ${tagged.stderr}`);
  });

  afterAll(async () => {
    if (originalBase) await getEngine().docker(["tag", originalBase, BASE]);
    const lines = figures.map((f) => `${f.ok ? "pass" : "FAIL"}  ${f.name}  ${f.builds} builds  ${f.seconds.toFixed(1)} s${f.note}`);
    console.log(`proof cases: ${figures.length}, builds: ${figures.reduce((n, f) => n + f.builds, 0)}, seconds: ${figures.reduce((n, f) => n + f.seconds, 0).toFixed(1)}\n${lines.join("\n")}`);
  });

  it("finds proof cases", () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  for (const c of cases) {
    it(`${c.rule}/${c.name}`, { timeout: 600_000 }, async () => {
      const engine = getEngine();
      const figure = { name: `${c.rule}/${c.name}`, builds: 0, seconds: 0, ok: false, note: "" };
      figures.push(figure);
      const rule = rules.find((r) => r.id === c.rule);
      expect(rule, `no rule ${c.rule}`).toBeDefined();
      if (!rule) return;
      const files = contextFiles(c.dir);
      const original = files.Dockerfile.content.toString("utf8");
      const fixed = fixSource(original, {
        rules: [rule],
        filePath: join(c.dir, "Dockerfile"),
        config: null,
        context: c.spec.lintContext === false ? null : c.dir,
        cliRules: { [rule.id]: rule.meta.severity },
        unsafe: c.spec.unsafe === true,
      });
      expect(fixed.changed, `layerlint did not fix ${c.rule}/${c.name}`).toBe(true);
      expect(fixed.result.findings.filter((f) => f.fix).map((f) => f.message)).toEqual([]);

      // The Dockerfile stays outside the context, so that `COPY . .` copies the same files in both builds.
      const { Dockerfile: _dockerfile, ...contextOnly } = files;
      const ctxA = writeContext(contextOnly);
      const ctxB = writeContext(contextOnly);
      const dockerfiles = mkdtempSync(join(tmpdir(), "layerlint-proof-"));
      const hidden = Object.keys(c.spec.buildArgChange ?? {});
      writeFileSync(join(dockerfiles, "original.Dockerfile"), recordEnvironments(original, hidden));
      writeFileSync(join(dockerfiles, "fixed.Dockerfile"), recordEnvironments(fixed.output, hidden));
      const dockerfileOf = new Map([[ctxA, join(dockerfiles, "original.Dockerfile")], [ctxB, join(dockerfiles, "fixed.Dockerfile")]]);
      // Values made unique per run, like the edit below: the engine's cache outlives a run.
      const runId = Date.now();
      const argChange = Object.entries(c.spec.buildArgChange ?? {}).map(([k, [before, after]]): [string, [string, string]] => [k, [`${before}-${runId}`, `${after}-${runId}`]]);
      let buildArgs: Record<string, string> | undefined = argChange.length ? Object.fromEntries(argChange.map(([k, v]) => [k, v[0]])) : undefined;
      const build = async (ctx: string, tag: string): Promise<BuildResult> => {
        const r = await engine.build(ctx, { tag, dockerfile: dockerfileOf.get(ctx), timeoutMs: 180_000, buildArgs });
        figure.builds++;
        figure.seconds += r.seconds;
        return r;
      };
      const show = (r: BuildResult): string => `${formatSteps(r.steps)}\n${r.ok ? "" : r.log.slice(-3000)}`;

      // (1) both build
      const a1 = await build(ctxA, tagOf(c, "orig"));
      expect(a1.ok, `original does not build:\n${show(a1)}`).toBe(true);
      const b1 = await build(ctxB, tagOf(c, "fixed"));
      expect(b1.ok, `fixed does not build:\n${fixed.output}\n${show(b1)}`).toBe(true);

      // (2) the same file tree, or the original minus some files
      const fullA = await engine.exportTree(tagOf(c, "orig"));
      const fullB = await engine.exportTree(tagOf(c, "fixed"));
      // The records are compared on their own (4), the trees without them.
      const withoutRecords = (t: Tree): Tree => new Map([...t].filter(([k]) => !k.startsWith(ENV_RECORD)));
      const treeA = withoutRecords(fullA);
      const treeB = withoutRecords(fullB);
      // (4) every RUN of the fixed file saw an environment a RUN of the original saw, and the reverse
      const envA = environments(fullA);
      const envB = environments(fullB);
      const fixedText = readFileSync(join(dockerfiles, "fixed.Dockerfile"), "utf8");
      expect(envB.filter((e) => !envA.includes(e)), `the fixed file's RUNs saw other environments (ENV, ARG, USER, WORKDIR):\n${fixedText}`).toEqual([]);
      // A fix that merges or drops a RUN may lose that RUN's record; otherwise every environment is still seen.
      if (runCount(fixed.output) >= runCount(original)) expect(envA.filter((e) => !envB.includes(e)), `environments the original's RUNs saw and the fixed file's do not:\n${fixedText}`).toEqual([]);
      expect(envA.length, "no environment recorded").toBeGreaterThan(0);
      if (c.spec.expect === "same-tree") {
        const ownerOnly = c.spec.ownerOnly ?? [];
        expect(diffTrees(treeA, treeB), "paths that differ between the original and the fixed image").toEqual(ownerOnly);
        for (const path of ownerOnly) {
          const a = treeA.get(path);
          const b = treeB.get(path);
          expect(a && b && { ...a, uid: 0, gid: 0 }, `${path} may differ in its owner only`).toEqual(b && { ...b, uid: 0, gid: 0 });
        }
      } else {
        expect(removedOnly(treeA, treeB), "the fixed image must be the original minus some files").toEqual([]);
        expect(treeB.size).toBeLessThan(treeA.size);
        const gone = [...treeA.keys()].filter((k) => !treeB.has(k));
        const prefixes = c.spec.removed ?? [];
        expect(gone.filter((k) => !prefixes.some((p) => `${k}/`.startsWith(p))), `removed outside ${prefixes.join(", ")}`).toEqual([]);
        figure.note += ` removed ${gone.filter((k) => treeA.get(k)?.type === "file").length} files;`;
      }
      if (c.spec.shipped) {
        const shippedA = await shippedFiles(tagOf(c, "orig"));
        const shippedB = await shippedFiles(tagOf(c, "fixed"));
        const dropped = subtract(shippedA, shippedB);
        expect(subtract(shippedB, shippedA), "files the fixed image ships that the original does not").toEqual([]);
        expect(dropped.length, "the fixed image ships as many files as the original").toBeGreaterThan(0);
        if (c.spec.shipped === "removed-files") {
          const expected = [...new Set(shippedA.filter((f) => !treeB.has(f.path)).map((f) => f.path))].sort();
          expect([...new Set(dropped.map((f) => f.path))].sort(), "files no longer shipped").toEqual(expected);
        } else {
          const stillShipped = new Set(shippedB.map((f) => f.path));
          expect(dropped.filter((f) => !stillShipped.has(f.path) || !treeB.has(f.path)).map((f) => f.path), "dropped files that are not extra copies").toEqual([]);
        }
        const bytes = (l: ShippedFile[]): number => l.reduce((n, f) => n + f.size, 0);
        figure.note += ` ships ${dropped.length} files / ${bytes(dropped)} bytes less (${bytes(shippedA)} -> ${bytes(shippedB)});`;
      }
      if (!c.spec.step) {
        figure.ok = true;
        return;
      }

      // (3) after a change, the step re-runs in the original and stays cached in the fixed file
      // A new line each run: the engine's cache outlives a run, and an edit it has seen would be a cache hit.
      const edit = Buffer.from(`changed by the proof ${Date.now()}\n`);
      const changed = c.spec.change;
      if (changed) for (const ctx of [ctxA, ctxB]) writeFileSync(join(ctx, changed), Buffer.concat([readFileSync(join(ctx, changed)), edit]));
      if (buildArgs) buildArgs = Object.fromEntries(argChange.map(([k, v]) => [k, v[1]]));
      const dockerfileEdit = c.spec.dockerfileEdit;
      if (dockerfileEdit) {
        for (const path of dockerfileOf.values()) {
          const text = readFileSync(path, "utf8");
          expect(text.includes(dockerfileEdit[0]), `dockerfileEdit: no "${dockerfileEdit[0]}" in ${path}`).toBe(true);
          writeFileSync(path, text.replace(dockerfileEdit[0], dockerfileEdit[1].replaceAll("{run}", String(runId))));
        }
      }
      expect(changed !== undefined || argChange.length > 0 || dockerfileEdit !== undefined, "case.json names a step but no change").toBe(true);
      const a2 = await build(ctxA, tagOf(c, "orig"));
      const b2 = await build(ctxB, tagOf(c, "fixed"));
      expect(a2.ok && b2.ok, `${show(a2)}\n${show(b2)}`).toBe(true);
      const stepA = findStep(a2.steps, c.spec.step);
      const stepB = findStep(b2.steps, c.spec.fixedStep ?? c.spec.step);
      expect(stepA, `no step "${c.spec.step}" in the original:\n${formatSteps(a2.steps)}`).toBeDefined();
      expect(stepB, `no step "${c.spec.fixedStep ?? c.spec.step}" in the fixed file:\n${formatSteps(b2.steps)}`).toBeDefined();
      if (!stepA || !stepB) return;
      const refreshed = c.spec.rerun === "refreshed";
      expect(effectiveStatus(stepA), formatSteps(a2.steps)).toBe(refreshed ? "CACHED" : "RAN");
      expect(effectiveStatus(stepB), formatSteps(b2.steps)).toBe(refreshed ? "RAN" : "CACHED");
      figure.ok = true;
    });
  }
});

/** Paths in the fixed tree that are not exactly as in the original (must be none). */
function removedOnly(original: Tree, fixed: Tree): string[] {
  return [...fixed.keys()].filter((k) => JSON.stringify(original.get(k)) !== JSON.stringify(fixed.get(k)));
}

interface ShippedFile {
  path: string;
  size: number;
}

/**
 * Every regular file of every layer of the image, with its size: what pulling the image
 * transfers, including files a later layer deletes (whiteouts and directories left out).
 */
async function shippedFiles(image: string): Promise<ShippedFile[]> {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-shipped-"));
  const saved = await getEngine().docker(["image", "save", "-o", join(dir, "image.tar"), image]);
  if (saved.code !== 0) throw new Error(`docker image save ${image}: ${saved.stderr}`);
  const unpacked = await tar(["-xf", join(dir, "image.tar"), "-C", dir]);
  if (unpacked.code !== 0) throw new Error(`tar -x: ${unpacked.stderr}`);
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { Layers: string[] }[];
  const out: ShippedFile[] = [];
  for (const layer of manifest[0].Layers) {
    // GNU tar's verbose listing: "-rw-r--r-- 0/0 1234 2026-01-01 00:00 path"; "-" marks a regular file.
    const listing = await tar(["--numeric-owner", "-tvf", join(dir, layer)]);
    if (listing.code !== 0) throw new Error(`tar -t ${layer}: ${listing.stderr}`);
    for (const line of listing.stdout.split("\n")) {
      const m = /^-\S+\s+\S+\s+(\d+)\s+\S+\s+\S+\s+(.+)$/.exec(line);
      if (!m || m[2].split("/").pop()?.startsWith(".wh.") || `/${m[2]}`.includes(ENV_RECORD)) continue;
      out.push({ path: `/${m[2].replace(/^\.?\/+/, "")}`, size: Number(m[1]) });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/** The multiset difference a - b (by path and size). */
function subtract(a: readonly ShippedFile[], b: readonly ShippedFile[]): ShippedFile[] {
  const left = new Map<string, number>();
  for (const f of b) left.set(`${f.size} ${f.path}`, (left.get(`${f.size} ${f.path}`) ?? 0) + 1);
  return a.filter((f) => {
    const key = `${f.size} ${f.path}`;
    const n = left.get(key) ?? 0;
    if (n > 0) left.set(key, n - 1);
    return n === 0;
  });
}

function tar(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile("tar", args, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") reject(error);
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}
