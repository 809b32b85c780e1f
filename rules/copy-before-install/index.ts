import { defineRule } from "../../src/engine/define.js";
import type { InstallMatch } from "../../src/ecosystems/index.js";
import { insertLinesBefore, moveInstructionBefore, nextLineStart } from "../../src/fix/edits.js";
import type { TextEdit } from "../../src/engine/types.js";
import type { Instruction, ParsedDockerfile } from "../../src/parse/index.js";
import type { CacheModel } from "../../src/model/index.js";

export default defineRule({
  id: "copy-before-install",
  meta: {
    description: "A broad COPY before a dependency install makes every source edit re-run the install",
    severity: "warning",
    fixable: "safe",
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    reinstall: (d: { install: string; copy: string; manifests: string }) =>
      `\`${d.install}\` re-runs whenever any file copied by \`${d.copy}\` changes; copy ${d.manifests} first`,
    needsSources: (d: { install: string; copy: string; manifests: string }) =>
      `\`${d.install}\` re-runs whenever any file copied by \`${d.copy}\` changes, and it needs the sources; install the dependencies from ${d.manifests} in an earlier step`,
  },
  create(ctx) {
    const { model, file } = ctx;
    let broad: Instruction[] = [];
    return {
      "stage:enter"() {
        broad = [];
      },
      COPY(ins) {
        if (!ins.onbuild && model.isBroadCopy(ins)) broad.push(ins);
      },
      ADD(ins) {
        if (!ins.onbuild && model.isBroadCopy(ins)) broad.push(ins);
      },
      RUN(ins) {
        if (ins.onbuild || broad.length === 0) return;
        const installs = model.installs(ins);
        if (installs.length === 0) return;
        const copy = broad[broad.length - 1];
        const install = installs[0];
        const manifests = manifestFiles(model, copy, install);
        const data = {
          install: `RUN ${install.command.text}`,
          copy: oneLine(copy.source),
          manifests: listWords(manifests.length > 0 ? manifests : install.ecosystem.manifests),
        };
        if (install.needsSources) {
          ctx.report({ node: copy, message: ctx.messages.needsSources(data) });
        } else {
          ctx.report({ node: copy, message: ctx.messages.reinstall(data), fix: fixFor(file, model, copy, ins, install, manifests) });
        }
        broad = [];
      },
    };
  },
});

/** The manifest files the install reads, as they exist in the context when it is on disk. */
function manifestFiles(model: CacheModel, copy: Instruction, install: InstallMatch): string[] {
  const wanted = [...install.ecosystem.manifests, ...(install.manifests ?? []), ...install.ecosystem.optionalManifests];
  const files = model.copiedFiles(copy);
  if (!files) return [...install.ecosystem.manifests, ...(install.manifests ?? [])];
  return wanted.filter((m) => files.includes(m) || files.some((f) => f.startsWith(m + "/")));
}

/**
 * Copies the manifests where the broad COPY was and moves the broad COPY to
 * just after the install. Offered only when nothing but metadata stands
 * between the two (another step could read the sources) and the broad COPY
 * copies the whole context.
 */
function fixFor(file: ParsedDockerfile, model: CacheModel, copy: Instruction, run: Instruction, install: InstallMatch, manifests: string[]): { edits: TextEdit[] } | null {
  const info = model.info(copy);
  const sources = info?.inputs.sources ?? [];
  if (sources.length !== 1 || sources[0].kind !== "context" || !/^\.?\/?$/.test(sources[0].path)) return null;
  if (copy.heredocs.length > 0 || copy.json) return null;
  const stage = copy.stage;
  if (!stage || run.stage !== stage) return null;
  const between = stage.instructions.slice(stage.instructions.indexOf(copy) + 1, stage.instructions.indexOf(run));
  if (between.some((i) => i.keyword !== "ENV" && i.keyword !== "ARG" && i.keyword !== "LABEL")) return null;
  const files = model.copiedFiles(copy);
  let list: string[];
  if (files) {
    if (!install.ecosystem.manifests.every((m) => manifests.includes(m))) return null;
    list = manifests;
  } else {
    // Without the context on disk, optional files are copied by a pattern that may match nothing.
    list = [...install.ecosystem.manifests, ...(install.manifests ?? []), ...install.ecosystem.optionalManifests.filter((m) => !m.includes("/")).map(globOptional)];
  }
  const words = copy.args.map((a) => a.value);
  const dest = words[words.length - 1];
  const flags = copy.flags.filter((f) => ["chown", "chmod", "link"].includes(f.name.toLowerCase())).map((f) => file.text.slice(f.range.start.offset, f.range.end.offset));
  const destDir = dest.endsWith("/") ? dest : dest === "." ? "./" : dest + "/";
  const line = [copy.keyword === "ADD" ? "COPY" : keywordAsWritten(copy), ...flags, ...list, destDir].join(" ");
  const moved = moveInstructionBefore(file, copy, run);
  // The broad COPY goes after the install: insert it before the instruction that follows the RUN.
  const afterRun = nextLineStart(file, run.range.end.offset);
  const atEnd = afterRun === file.text.length && !file.text.endsWith("\n");
  const copyText = (atEnd ? file.source.eol : "") + moved[0].text;
  return {
    edits: [insertLinesBefore(file, copy, [line]), moved[1], { range: [afterRun, afterRun], text: copyText }],
  };
}

/** `package-lock.json` → `package-lock.json*`: a pattern that may match nothing without failing the COPY. */
function globOptional(name: string): string {
  return name + "*";
}

function keywordAsWritten(ins: Instruction): string {
  return ins.source.slice(0, ins.keywordRange.end.offset - ins.range.start.offset);
}

function oneLine(s: string): string {
  const first = s.split(/\r?\n/)[0].replace(/\s*\\$/, "");
  return first.length > 60 ? first.slice(0, 57) + "..." : first;
}

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return items.slice(0, -1).join(", ") + " and " + items[items.length - 1];
}
