import { posix } from "node:path";
import { defineRule } from "../../src/engine/define.js";
import { cwdKnown, findInstalls, manifestsOf, refineOnDisk, type InstallMatch } from "../../src/ecosystems/index.js";
import { projectFiles } from "../../src/ecosystems/files.js";
import { insertLinesBefore, instructionLines, nextLineStart } from "../../src/fix/edits.js";
import type { OptionsSchema, RuleContext, TextEdit } from "../../src/engine/types.js";
import type { Instruction, ParsedDockerfile } from "../../src/parse/index.js";
import { cleanPath, isGlob, splitCommands, commandWords, type CacheModel } from "../../src/model/index.js";
import { relativeUnder, resolveIn } from "../../src/model/paths.js";
import { compareStrings } from "../../src/order.js";

type Messages = {
  reinstall: (d: { install: string; copy: string; manifests: string }) => string;
  splitFirst: (d: { install: string; copy: string; manifests: string; first: string }) => string;
  needsSources: (d: { install: string; copy: string; manifests: string; reason: string }) => string;
  vcsState: (d: { install: string; copy: string }) => string;
};

export default defineRule({
  id: "copy-before-install",
  meta: {
    description: "A broad COPY before a dependency install makes every source edit re-run the install",
    severity: "warning",
    fixable: "safe",
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    reinstall: (d) => `\`${d.install}\` re-runs whenever any file copied by \`${d.copy}\` changes; copy ${d.manifests} first`,
    splitFirst: (d) =>
      `\`${d.install}\` re-runs and resolves every dependency again whenever any file copied by \`${d.copy}\` changes; copy ${d.manifests} first and run \`${d.first}\` before it`,
    needsSources: (d) =>
      `\`${d.install}\` re-runs whenever any file copied by \`${d.copy}\` changes, and it needs the sources (${d.reason}); install the dependencies from ${d.manifests} in an earlier step`,
    vcsState: (d) =>
      `\`${d.copy}\` brings in git's state, which changes on every commit, so \`${d.install}\` after it re-runs on every commit; copy it after the install, or pass the commit as a build argument declared where it is used`,
  } satisfies Messages,
  create(ctx) {
    const { model, file } = ctx;
    let copies: Instruction[] = [];
    let runs: Instruction[] = [];
    const reported = new Set<number>();
    // ONBUILD triggers run in a child image's build, with the child's context: judged by their text alone.
    let triggerCopies: Instruction[] = [];
    // `COPY .git/HEAD` or `.git/refs`: named files, but new on every commit.
    let gitCopies: Instruction[] = [];
    const onCopy = (ins: Instruction): void => {
      if (ins.onbuild) {
        if (copiesTreeByText(ins)) triggerCopies.push(ins);
        return;
      }
      if (copiesGitState(model, ins)) gitCopies.push(ins);
      // Judged once here, not again for every later RUN (that is quadratic in a long stage).
      if (model.isBroadCopy(ins)) copies.push(ins);
    };
    return {
      "stage:enter"() {
        copies = [];
        runs = [];
        triggerCopies = [];
        gitCopies = [];
      },
      COPY: onCopy,
      ADD: onCopy,
      RUN(ins) {
        if (ins.onbuild) {
          const copy = triggerCopies.find((c) => !reported.has(c.id));
          const install = model.installs(ins).find((i) => i.readsManifests !== false && cwdKnown(i));
          if (!copy || !install) return;
          reported.add(copy.id);
          const names = manifestsOf(install);
          ctx.report({
            node: copy.onbuild ?? copy,
            message: ctx.messages.reinstall({
              install: `ONBUILD RUN ${oneLine(install.command.text)}`,
              copy: oneLine((copy.onbuild ?? copy).source),
              manifests: listWords(names.required.length > 0 ? [...names.required, ...names.optional.filter((m) => !m.endsWith("/")).slice(0, 1)] : ["the manifests alone"]),
            }) + " in an ONBUILD COPY of its own (the trigger runs in the child image's build, with its context)",
          });
          return;
        }
        const installs = model.installs(ins).filter((i) => i.readsManifests !== false && cwdKnown(i));
        const git = gitCopies.find((c) => !reported.has(c.id));
        if (git && installs.length > 0) {
          reported.add(git.id);
          ctx.report({ node: git, message: ctx.messages.vcsState({ install: `RUN ${oneLine(installs[0].command.text)}`, copy: oneLine(git.source) }) });
        }
        runs.push(ins);
        if (installs.length === 0) return;
        // Filtered only for a RUN that installs: most do not, and a stage may hold thousands of COPYs.
        const candidates = copies.filter((c) => !reported.has(c.id));
        if (candidates.length === 0) return;
        // The latest broad COPY whose files the install reads is the one that costs the cache.
        for (const copy of [...candidates].reverse()) {
          const plans = installs
            .map((i) => planInstall(model, copy, ins, i))
            .filter((p): p is InstallPlan => p !== null)
            // Dependencies already installed before the broad COPY is the shape this rule asks for (and its unsafe fix writes).
            .filter((p) => !dependenciesInstalledBefore(model, runs, copy, p.install));
          if (plans.length === 0) continue;
          reported.add(copy.id);
          report(ctx, file, model, copy, ins, plans);
          return;
        }
      },
    };
  },
});

interface ManifestEntry {
  /** Context-relative path (a directory ends with `/`). */
  context: string;
  /** Destination directory relative to the broad COPY's destination ("" for itself). */
  destDir: string;
  required: boolean;
  /** Copied by a pattern that may match nothing (no context on disk). */
  glob: boolean;
}

interface InstallPlan {
  install: InstallMatch;
  /** The absolute directory the command runs in. */
  dir: string;
  entries: ManifestEntry[];
  /** Required manifests missing from the context: no fix can copy them. */
  missing: string[];
}

type Ctx = RuleContext<OptionsSchema, Messages>;

/** The single directory source of a COPY (`.` → ""), or null for several sources or a file. */
function directorySource(model: CacheModel, copy: Instruction): string | null {
  const sources = model.info(copy)?.inputs.sources ?? [];
  if (sources.length !== 1 || sources[0].kind !== "context" || isGlob(sources[0].path)) return null;
  const src = cleanPath(sources[0].path);
  const files = model.copiedFiles(copy);
  if (files && files.length === 1 && files[0] === src) return null;
  return src;
}

/** Whether a COPY/ADD names files of `.git` (HEAD, refs, the whole folder) as sources. */
function copiesGitState(model: CacheModel, ins: Instruction): boolean {
  if (ins.flags.some((f) => f.name === "from")) return false;
  return (model.info(ins)?.inputs.sources ?? []).some((s) => s.kind === "context" && /^\.git(\/|$)/.test(cleanPath(s.path)));
}

/** A COPY/ADD whose sources, as written, include the context itself or a directory. */
function copiesTreeByText(ins: Instruction): boolean {
  if (ins.flags.some((f) => f.name === "from") || ins.heredocs.length > 0) return false;
  const sources = ins.args.slice(0, -1).map((a) => a.value.replace(/^["']|["']$/g, ""));
  return sources.some((s) => /^\.?\/?$|^\.\/?\*?$|^\*$/.test(s) || (s.endsWith("/") && !s.startsWith("/")));
}

function destinationOf(model: CacheModel, copy: Instruction): string {
  const d = model.info(copy)?.inputs.destination ?? "/";
  return d.length > 1 ? d.replace(/(?<!\/)\/+$/, "") : d;
}


/**
 * What the install reads from the broad COPY, mapped back to context paths.
 * Null when it reads nothing that COPY brought (it runs elsewhere, or the
 * manifests come from another COPY).
 */
function planInstall(model: CacheModel, copy: Instruction, run: Instruction, match: InstallMatch): InstallPlan | null {
  const workdir = model.info(run)?.inputs.workdir ?? "/";
  // Every path here is absolute and normalised (WORKDIR, the COPY's destination): a prefix test tells what posix.relative would.
  const dir = resolveIn(workdir, match.cwd ?? ".");
  const dest = destinationOf(model, copy);
  // The install may run outside the COPY's destination and name its manifests there (`pip install -r /app/requirements.txt`, `npm ci --prefix /src`).
  const dirInDest = relativeUnder(dest, dir);
  const src = directorySource(model, copy);
  const copied = model.copiedFiles(copy);
  let install: InstallMatch | null = match;
  // The install's directory in the context: under the COPY's source, or (workspace members copied into a
  // subfolder of it, `COPY packages packages` before an install in the parent) the source minus that subfolder.
  const destInDir = dirInDest === null ? relativeUnder(dir, dest) : null;
  const ctxDir = src === null ? null : dirInDest !== null ? joinCtx(src, dirInDest) : destInDir && destInDir !== "." && destInDir !== "" ? parentIn(src, destInDir) : null;
  if (ctxDir !== null && copied) {
    const files = projectFiles(model.context, ctxDir);
    if (files) install = refineOnDisk(match, files);
  }
  if (!install) return null;
  const { required, optional } = manifestsOf(install);
  const entries: ManifestEntry[] = [];
  const missing: string[] = [];
  let readsFromCopy = false;
  const consider = (m: string, isRequired: boolean): void => {
    const isDir = m.endsWith("/");
    const rel = relativeUnder(dest, resolveIn(dir, m));
    if (rel === null) return;
    if (src === null) {
      // Several sources or a pattern: where each file lands is not worked out, but with
      // the context on disk a manifest no copied file is named like is surely not brought.
      if (!isRequired) return;
      const name = posix.basename(m);
      if (copied && !isDir && !copied.some((f) => f === name || f.endsWith("/" + name))) missing.push(m);
      else readsFromCopy = true;
      return;
    }
    const context = joinCtx(src, rel);
    const destDir = posix.dirname(rel) === "." ? "" : posix.dirname(rel);
    if (copied) {
      const present = isDir ? copied.some((f) => f.startsWith(context + "/")) : copied.includes(context);
      if (present) {
        readsFromCopy = true;
        entries.push({ context: isDir ? context + "/" : context, destDir: isDir ? rel : destDir, required: isRequired, glob: false });
      } else if (isRequired) missing.push(context);
    } else {
      if (isRequired) readsFromCopy = true;
      // Without the context on disk only plain files can be copied by a pattern that may match nothing.
      if (isDir) return;
      entries.push({ context: isRequired ? context : context + "*", destDir, required: isRequired, glob: !isRequired });
    }
  };
  for (const m of required) consider(m, true);
  for (const m of optional) consider(m, false);
  // A build reads the sources themselves; an install that reads no file of this COPY is not slowed by it.
  if (!readsFromCopy && (!install.needsSources || dirInDest === null)) return null;
  // The context on disk holds none of the manifests (a GOPATH-era Go project, say): there is
  // nothing to copy first and no dependency step to split off.
  if (copied && required.length > 0 && missing.length === required.length) return null;
  return { install, dir, entries, missing };
}

/** `packages` in the context is `packages` under the install's directory: that directory is the context root; null when the paths do not line up. */
function parentIn(src: string, sub: string): string | null {
  if (src === sub) return "";
  return src.endsWith("/" + sub) ? src.slice(0, -(sub.length + 1)) : null;
}

function joinCtx(src: string, rel: string): string {
  return cleanPath(posix.join(src || ".", rel || "."));
}

/**
 * An earlier RUN of the stage, before the broad COPY, already installed this
 * ecosystem's dependencies (`go mod download`, a dependency-only build): the
 * install after the COPY then only adds the project, which needs the sources.
 */
function dependenciesInstalledBefore(model: CacheModel, runs: readonly Instruction[], copy: Instruction, install: InstallMatch): boolean {
  return runs.some((r) => r.range.start.offset < copy.range.start.offset && model.installs(r).some((i) => i.ecosystem.id === install.ecosystem.id && i.readsManifests !== false));
}

function report(ctx: Ctx, file: ParsedDockerfile, model: CacheModel, copy: Instruction, run: Instruction, plans: InstallPlan[]): void {
  const messages = ctx.messages;
  const first = plans[0];
  const names = [...new Set(plans.flatMap(manifestNames))];
  const data = {
    install: `RUN ${oneLine(first.install.command.text)}`,
    copy: oneLine(copy.source),
    manifests: names.length > 0 ? listWords(names) : "the manifests alone",
  };
  const blocked = plans.find((p) => p.install.needsSources && !p.install.dependencyOnly);
  if (blocked) {
    ctx.report({ node: copy, message: messages.needsSources({ ...data, install: `RUN ${oneLine(blocked.install.command.text)}`, reason: blocked.install.sourcesReason ?? "it builds the project" }) });
    return;
  }
  const split = plans.find((p) => p.install.needsSources);
  const fix = fixFor(file, model, copy, run, plans);
  if (split) {
    ctx.report({ node: copy, message: messages.splitFirst({ ...data, install: `RUN ${oneLine(split.install.command.text)}`, first: split.install.dependencyOnly ?? "" }), fix });
  } else {
    ctx.report({ node: copy, message: messages.reinstall(data), fix });
  }
}

/**
 * The manifests to name in the message: the files that exist when the
 * context is on disk; otherwise the required ones and the first optional
 * file, by the table's convention the lock file.
 */
function manifestNames(plan: InstallPlan): string[] {
  if (plan.entries.length === 0) return manifestsOf(plan.install).required;
  const sure = plan.entries.filter((e) => !e.glob).map((e) => e.context.replace(/\/$/, "/"));
  const lock = plan.entries.find((e) => e.glob);
  return lock ? [...sure, lock.context.replace(/\*$/, "")] : sure;
}

/** Instructions that may stand between the broad COPY and the install when the COPY moves after it. */
const MOVABLE_PAST = new Set(["ENV", "ARG", "LABEL", "WORKDIR", "USER", "EXPOSE", "STOPSIGNAL"]);

/** Programs that read no project file, so a RUN made of them and installs can run before the sources are copied. */
const HARMLESS = new Set(["echo", "true", ":", "set", "export", "mkdir", "corepack", "printf"]);
const CONFIG_COMMANDS = /^(npm|yarn|pnpm|pip[0-9.]*|poetry|bundle|composer|uv) config\b/;

/**
 * Two fixes:
 * - move (safe): every command of the RUN reads only manifests. Insert a
 *   manifest-only COPY where the broad COPY was, and move the broad COPY to
 *   just after the install.
 * - dependencies first (unsafe: the dependency-only step may leave files
 *   the original build never made): the RUN also needs the sources. Insert
 *   the manifest-only COPY and a RUN of the dependency-only commands before
 *   the broad COPY, and keep everything else.
 */
function fixFor(file: ParsedDockerfile, model: CacheModel, copy: Instruction, run: Instruction, plans: InstallPlan[]): { edits: TextEdit[]; safety: "safe" | "unsafe" } | null {
  const stage = copy.stage;
  if (!stage || run.stage !== stage || copy.heredocs.length > 0 || copy.json || run.json) return null;
  if (directorySource(model, copy) === null) return null;
  if (plans.some((p) => p.missing.length > 0)) return null;
  const between = stage.instructions.slice(stage.instructions.indexOf(copy) + 1, stage.instructions.indexOf(run));
  const lines = manifestCopyLines(file, model, copy, plans);
  if (lines === null) return null;

  const onlyManifests = splitCommands(model.script(run)).every((cmd) => {
    const words = commandWords(cmd);
    if (words.length === 0 || HARMLESS.has(words[0]) || CONFIG_COMMANDS.test(words.join(" "))) return true;
    if (words[0] === "cd") return true;
    const planned = plans.find((p) => p.install.command.start === cmd.start);
    if (planned) return !planned.install.needsSources;
    const found = findInstalls(cmd.text);
    if (found.length === 0) return isCleanup(cmd.text, plans);
    // Installs of named packages read no project file; any other install here was not planned for.
    return found.every((f) => f.readsManifests === false);
  });
  const plainOnly = plans.every((p) => !p.install.needsSources);

  if (onlyManifests && plainOnly && between.every((i) => MOVABLE_PAST.has(i.keyword))) {
    const moved = instructionLines(file, copy);
    let text = moved.text;
    // Past a WORKDIR, a relative destination would land elsewhere: write the one it had.
    const workdirAtCopy = model.info(copy)?.inputs.workdir ?? "/";
    const workdirAtRun = model.info(run)?.inputs.workdir ?? "/";
    const destWord = copy.args[copy.args.length - 1];
    if (workdirAtCopy !== workdirAtRun && destWord && !destWord.value.startsWith("/")) {
      const resolved = model.info(copy)?.inputs.destination ?? "/";
      const at = destWord.range.start.offset - moved.start;
      text = text.slice(0, at) + resolved + text.slice(destWord.range.end.offset - moved.start);
    }
    const afterRun = nextLineStart(file, run.range.end.offset);
    const atEnd = afterRun === file.text.length && !file.text.endsWith("\n");
    return {
      safety: "safe",
      edits: [
        ...(lines.length > 0 ? [insertLinesBefore(file, copy, lines)] : []),
        { range: [moved.start, moved.end], text: "" },
        // At the end of a file without a final line break, the moved COPY becomes the last line and keeps that.
        { range: [afterRun, afterRun], text: atEnd ? (file.text.endsWith("\r") ? "\n" : file.source.eol) + text.replace(/\r?\n$/, "") : text },
      ],
    };
  }

  // Dependencies first: the new RUN stands where the broad COPY was, so only what cannot change its meaning may lie between.
  if (!between.every((i) => i.keyword === "LABEL" || i.keyword === "WORKDIR" || i.keyword === "EXPOSE")) return null;
  const workdirAtCopy = model.info(copy)?.inputs.workdir ?? "/";
  const commands: string[] = [];
  for (const p of plans) {
    const cmd = p.install.needsSources ? p.install.dependencyOnly : p.install.command.text.replace(/\\\r?\n\s*/g, " ");
    if (!cmd) continue;
    commands.push(p.dir !== workdirAtCopy ? `cd ${p.dir} && ${cmd}` : cmd);
  }
  if (commands.length === 0) return null;
  const runFlags = run.flags.map((f) => file.text.slice(f.range.start.offset, f.range.end.offset));
  const runLine = [keywordAsWritten(run), ...runFlags, commands.join(" && ")].join(" ");
  return { safety: "unsafe", edits: [insertLinesBefore(file, copy, [...lines, runLine])] };
}

function isCleanup(text: string, plans: InstallPlan[]): boolean {
  const t = text.trim().replace(/\s+/g, " ");
  return plans.some((p) => p.install.ecosystem.cleanup.some((c) => t === c || t.startsWith(c + " ")));
}

/**
 * `COPY [--chown/--chmod/--link] <manifests> <dest>/` lines, one per
 * destination directory, or null when they cannot be written safely.
 * Manifests an earlier COPY of the stage already brings are left out.
 */
function manifestCopyLines(file: ParsedDockerfile, model: CacheModel, copy: Instruction, plans: InstallPlan[]): string[] | null {
  const stage = copy.stage;
  const earlier = stage ? stage.instructions.slice(0, stage.instructions.indexOf(copy)).filter((i) => (i.keyword === "COPY" || i.keyword === "ADD") && !i.onbuild) : [];
  const alreadyCopied = (context: string): boolean =>
    earlier.some((c) => !model.isBroadCopy(c) && model.copies(c, context.replace(/\*$|\/$/g, "")));
  const groups = new Map<string, ManifestEntry[]>();
  const entries = plans.flatMap((p) => p.entries);
  // When an earlier COPY already brings every required manifest, its author chose the files: add no patterns.
  const requiredCopied = entries.filter((e) => e.required).every((e) => alreadyCopied(e.context));
  for (const e of entries) {
    if (alreadyCopied(e.context) || (requiredCopied && e.glob)) continue;
    const list = groups.get(e.destDir) ?? [];
    if (!list.some((x) => x.context === e.context)) list.push(e);
    groups.set(e.destDir, list);
  }
  if (plans.every((p) => p.entries.length === 0)) return null;
  const words = copy.args.map((a) => a.value);
  const dest = words[words.length - 1];
  const flags = copy.flags.filter((f) => ["chown", "chmod", "link"].includes(f.name.toLowerCase())).map((f) => file.text.slice(f.range.start.offset, f.range.end.offset));
  const keyword = copy.keyword === "ADD" ? "COPY" : keywordAsWritten(copy);
  const lines: string[] = [];
  for (const [destDir, entries] of [...groups.entries()].sort((a, b) => compareStrings(a[0], b[0]))) {
    const dirs = entries.filter((e) => e.context.endsWith("/"));
    // `.yarnrc*` already matches `.yarnrc.yml`: one pattern is enough.
    const filesIn = entries.filter((e) => !e.context.endsWith("/") && !(e.glob && entries.some((o) => o !== e && o.glob && e.context.startsWith(o.context.slice(0, -1)))));
    if (filesIn.length > 0 && filesIn.every((e) => e.glob)) {
      // A COPY whose sources are all patterns fails when none matches, and leaving them out could miss a file the install reads.
      return null;
    }
    if (filesIn.length > 0) lines.push([keyword, ...flags, ...filesIn.map((e) => quoteSource(e.context)), destinationFor(dest, destDir)].join(" "));
    for (const d of dirs) lines.push([keyword, ...flags, quoteSource(d.context.replace(/\/$/, "")), destinationFor(dest, destDir)].join(" "));
  }
  return lines;
}

/** The broad COPY's destination as written, extended by a subdirectory, always ending in `/`. */
function destinationFor(dest: string, sub: string): string {
  const base = dest === "." || dest === "./" ? "./" : dest.endsWith("/") ? dest : dest + "/";
  return sub === "" ? base : `${base}${sub}/`;
}

function quoteSource(path: string): string {
  return /\s/.test(path) ? `"${path}"` : path;
}

function keywordAsWritten(ins: Instruction): string {
  return ins.source.slice(0, ins.keywordRange.end.offset - ins.range.start.offset);
}

function oneLine(s: string): string {
  const first = s.split(/\r?\n/)[0].replace(/(?<!\s)\s*\\$/, "");
  return first.length > 60 ? first.slice(0, 57) + "..." : first;
}

function listWords(items: readonly string[]): string {
  const shown = items.length > 5 ? [...items.slice(0, 4), `${items.length - 4} more`] : items;
  if (shown.length <= 1) return shown.join("");
  return shown.slice(0, -1).join(", ") + " and " + shown[shown.length - 1];
}
