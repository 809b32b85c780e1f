import { defineRule } from "../../src/engine/define.js";
import { mergeRunInto } from "../../src/fix/run-edits.js";
import type { Instruction, Stage } from "../../src/parse/index.js";
import { copiedPaths, covers, emptiesEffect, indexIn, runEffects, shipsInImage, type PathEffect } from "../../src/model/reads.js";

/** Created paths worth a warning when deleted later: what takes room. */
const SIZEABLE = new Set(["download", "extract", "clone", "cache"]);

interface Creator {
  ins: Instruction;
  /** What made the files, for the message. */
  what: string;
}

export default defineRule({
  id: "cleanup-in-later-layer",
  meta: {
    description: "Files deleted in a later layer than the one that created them still ship in the earlier layer",
    severity: "warning",
    fixable: "safe",
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    fromRun: (d: { deletion: string; creator: string; line: number }) =>
      `\`${d.deletion}\` deletes files that \`${d.creator}\` (line ${d.line}) left in its layer: they still ship there and the image is no smaller; delete them in the RUN that made them`,
    fromCopy: (d: { deletion: string; creator: string; line: number }) =>
      `\`${d.deletion}\` deletes files that \`${d.creator}\` (line ${d.line}) put in its layer: they still ship there and the image is no smaller; read them with \`RUN --mount=type=bind\` or in a build stage instead of copying them`,
    packages: (d: { deletion: string; creator: string; line: number }) =>
      `\`${d.deletion}\` removes packages that \`${d.creator}\` (line ${d.line}) installed in its layer: they still ship there and the image is no smaller; install and remove them in the same RUN`,
  },
  create(ctx) {
    const { model, file } = ctx;
    return {
      RUN(ins) {
        if (ins.onbuild || !ins.stage || !shipsInImage(model, ins.stage)) return;
        const fx = runEffects(model, ins);
        // Most RUNs delete nothing and remove no package: nothing to look back for.
        if (fx.deletedFromEarlier.length === 0 && fx.removedPackages.length === 0) return;
        const stage = ins.stage;
        const earlier = { [Symbol.iterator]: () => earlierSteps(stage, ins) };
        for (const d of fx.deletedFromEarlier) {
          const creator = findCreator(earlier, d);
          if (!creator) continue;
          const data = { deletion: oneLine(d.command.text), creator: oneLine(creator.what), line: creator.ins.range.start.line + 1 };
          if (creator.ins.keyword === "RUN") {
            ctx.report({ node: ins, message: ctx.messages.fromRun(data), fix: mergeFix(creator.ins, ins) });
          } else {
            ctx.report({ node: ins, message: ctx.messages.fromCopy(data) });
          }
          return;
        }
        for (const r of fx.removedPackages) {
          const creator = findInstaller(earlier, r.manager, r.name);
          if (!creator) continue;
          const data = { deletion: oneLine(r.command.text), creator: oneLine(creator.what), line: creator.ins.range.start.line + 1 };
          ctx.report({ node: ins, message: ctx.messages.packages(data), fix: mergeFix(creator.ins, ins) });
          return;
        }
      },
    };

    /**
     * The layer steps before `ins` in its stage and in the stages it is
     * based on, nearest first. Read lazily: the search usually stops at the
     * nearest steps, and copying the whole list for every RUN of a long
     * stage would cost quadratic time.
     */
    function* earlierSteps(stage: Stage, ins: Instruction): Generator<Instruction> {
      const isStep = (i: Instruction): boolean => i.keyword === "RUN" || i.keyword === "COPY" || i.keyword === "ADD";
      for (let n = positionIn(stage, ins) - 1; n >= 0; n--) if (isStep(stage.instructions[n])) yield stage.instructions[n];
      for (let s = stage.baseStage; s; s = s.baseStage) {
        for (let n = s.instructions.length - 1; n >= 0; n--) if (isStep(s.instructions[n])) yield s.instructions[n];
      }
    }

    /** The position of an instruction in its stage's list (-1 for none), found without a scan of the stage. */
    function positionIn(stage: Stage, ins: Instruction): number {
      return indexIn(stage.instructions, ins);
    }

    function findCreator(earlier: Iterable<Instruction>, d: PathEffect): Creator | null {
      for (const step of earlier) {
        if (step.keyword === "RUN") {
          const made = runEffects(model, step).leftBehind.find((c) => c.kind !== undefined && SIZEABLE.has(c.kind) && emptiesEffect(d.path, c));
          if (made) return { ins: step, what: made.what };
          // A RUN that deletes the same path first has already done the cleanup: stop looking further back.
          if (runEffects(model, step).deleted.some((x) => covers(x.path, d.path))) return null;
        } else {
          const paths = copiedPaths(model, step);
          if (paths.some((p) => covers(d.path, p))) return { ins: step, what: step.source.split(/\r?\n/)[0] };
        }
      }
      return null;
    }

    function findInstaller(earlier: Iterable<Instruction>, manager: string, name: string): Creator | null {
      for (const step of earlier) {
        if (step.keyword !== "RUN") continue;
        const fx = runEffects(model, step);
        const installed = fx.installedPackages.find((p) => p.manager === manager && p.name === name);
        if (!installed) continue;
        // Installed and removed in that same RUN: nothing of it ships.
        if (fx.removedPackages.some((p) => p.manager === manager && p.name === name && p.at > installed.at)) return null;
        return { ins: step, what: installed.command.text };
      }
      return null;
    }

    /**
     * Merges the deleting RUN into the RUN that made the files, when it
     * directly follows it (nothing between them, not even metadata, so
     * both run with the same environment, user and directory) and the
     * earlier script does not `cd` or `export` (which would change what
     * the appended commands see).
     */
    function mergeFix(creator: Instruction, deleter: Instruction): { edits: ReturnType<typeof mergeRunInto> & object } | null {
      const stage = deleter.stage;
      if (!stage || creator.stage !== stage) return null;
      if (positionIn(stage, deleter) !== positionIn(stage, creator) + 1) return null;
      if (runEffects(model, creator).changesDirectory || /\bexport\b|\bset\s+[-+]o\b|\bshopt\b|\balias\b/.test(model.script(creator))) return null;
      const edits = mergeRunInto(file, creator, deleter);
      return edits ? { edits } : null;
    }
  },
});

function oneLine(s: string): string {
  const t = s.replace(/(?:(?<!\s)\s+)?\\?\r?\n\s*/g, " ").replace(/\s+/g, " ");
  return t.length > 60 ? t.slice(0, 57) + "..." : t;
}
