import { defineRule } from "../../src/engine/define.js";
import { SYSTEM_PACKAGE_MANAGERS, type SystemPackageManager } from "../../src/ecosystems/system.js";
import { appendToRun } from "../../src/fix/run-edits.js";
import type { Instruction, Stage } from "../../src/parse/index.js";
import { commandWords } from "../../src/model/index.js";
import { cacheMountTargets, covers, emptiesEffect, indexIn, runEffects, shipsInImage, stagesBasedOn, type PathEffect } from "../../src/model/reads.js";

/** One cache a RUN leaves in its layer. */
interface LeftCache {
  /** The manager or ecosystem id. */
  source: string;
  /** What filled it (`apt-get update`, `pip install`). */
  what: string;
  dirs: string[];
  /** The command that removes it in the same RUN, or null when no fix is offered. */
  cleanup: string | null;
  /** A later step installs from this index without fetching it: removing it here would break that step. */
  neededLater: boolean;
}

export default defineRule({
  id: "package-cache-in-layer",
  meta: {
    description: "A package manager's index or download cache is left in a layer of the final image",
    severity: "warning",
    fixable: "safe",
    sources: {
      hadolint: ["DL3009", "DL3019", "DL3032", "DL3036", "DL3040", "DL3042", "DL3060"],
      buildkit: [],
      tally: ["tally/prefer-package-cache-mounts"],
    },
  },
  messages: {
    left: (d: { what: string; several: boolean; dirs: string; remedy: string }) =>
      `${d.what} ${d.several ? "leave" : "leaves"} ${d.dirs} in this layer of the final image, where every pull downloads it; ${d.remedy}, or use a cache mount`,
  },
  create(ctx) {
    const { model, file } = ctx;
    /** Per stage and cache path: the position of the last RUN that deletes it, -1 for none. */
    const lastEmptierByStage = new Map<Stage, Map<string, number>>();
    /** Per stage and manager: the position of the last step that needs the index, and whether a stage built on it has one. */
    const indexNeedsByStage = new Map<Stage, Map<string, { lastInStage: number; inLaterStages: boolean }>>();
    return {
      RUN(ins) {
        // A builder stage's layers never reach the image; an ONBUILD trigger's reach the child's.
        if (!ins.onbuild && !shipsInImage(model, ins.stage)) return;
        const fx = runEffects(model, ins);
        const mounts = cacheMountTargets(model, ins);
        const left: LeftCache[] = [];
        for (const c of fx.leftBehind) {
          const cache = classify(ins, c, fx.systemCommands.map((s) => s.manager), fx.projectInstalls);
          if (!cache) continue;
          if (mounts.some((m) => [c.path, ...(c.aliases ?? [])].some((p) => covers(m, p)))) continue;
          // Deleted by a later RUN: cleanup-in-later-layer reports that one.
          if (!ins.onbuild && emptiedLater(ins, c)) continue;
          const same = left.find((l) => l.source === cache.source);
          if (!same) left.push(cache);
          else if (!same.dirs.includes(c.path)) {
            same.dirs.push(c.path);
            if (same.cleanup !== null && cache.cleanup !== null && same.cleanup.startsWith("rm -rf ")) same.cleanup = `rm -rf ${same.dirs.join(" ")}`;
          }
        }
        if (left.length === 0) return;
        const remedies = [...new Set(left.filter((l) => !l.neededLater).map((l) => l.cleanup ?? defaultRemedy(l.dirs[0])))];
        const whats = [...new Set(left.map((l) => "`" + oneLine(l.what) + "`"))];
        // Removing an index a later RUN installs from would break that RUN: the update belongs there.
        const later = left.filter((l) => l.neededLater).map((l) => `move \`${oneLine(l.what)}\` into the RUN that installs and run \`${defaultRemedy(l.dirs[0])}\` there`);
        const message = ctx.messages.left({
          what: listWords(whats),
          several: whats.length > 1,
          dirs: listWords(left.map((l) => l.dirs.join(" or "))),
          remedy: listWords([...(remedies.length > 0 ? [`run \`${remedies.join(" && ")}\` in the same RUN`] : []), ...later]),
        });
        const canFix = !ins.onbuild && left.every((l) => l.cleanup !== null);
        const edit = canFix ? appendToRun(file, ins, remedies.join(" && ")) : null;
        ctx.report({ node: ins, message, fix: edit ? { edits: [edit] } : null });
      },
    };

    // Both questions below ask about every later step of a stage, once per
    // RUN: answered from facts gathered once per stage (and per cache path
    // or manager), so a long stage costs linear time, not quadratic.

    /** The position of an instruction in its stage's list (an ONBUILD trigger has none: -1), found without a scan of the stage. */
    function positionIn(stage: Stage, ins: Instruction): number {
      return indexIn(stage.instructions, ins);
    }

    /** Whether a later RUN of the same stage deletes a left-behind path. */
    function emptiedLater(ins: Instruction, c: PathEffect): boolean {
      const stage = ins.stage;
      if (!stage) return false;
      let lastByPath = lastEmptierByStage.get(stage);
      if (!lastByPath) lastEmptierByStage.set(stage, (lastByPath = new Map()));
      // emptiesEffect depends only on the path and its aliases.
      const key = [c.path, ...(c.aliases ?? [])].join("\0");
      let last = lastByPath.get(key);
      if (last === undefined) {
        last = -1;
        for (let n = stage.instructions.length - 1; n >= 0 && last === -1; n--) {
          const i = stage.instructions[n];
          if (i.keyword === "RUN" && runEffects(model, i).deletedFromEarlier.some((d) => emptiesEffect(d.path, c))) last = n;
        }
        lastByPath.set(key, last);
      }
      return last > positionIn(stage, ins);
    }

    /**
     * What a left-behind path is, if it is a package cache: a system
     * manager's index or cache, or a project ecosystem's download cache.
     * The cleanup is offered only where removing the files cannot break a
     * later step: apt and apk need their index for a later install that
     * does not fetch it again.
     */
    function classify(ins: Instruction, c: PathEffect, managers: SystemPackageManager[], projects: ReturnType<typeof runEffects>["projectInstalls"]): LeftCache | null {
      for (const m of managers) {
        if ([...m.indexDirs, ...m.cacheDirs].includes(c.path)) {
          const neededLater = laterNeedsIndex(ins, m);
          return { source: m.id, what: c.what, dirs: [c.path], cleanup: neededLater ? null : m.cleanup, neededLater };
        }
      }
      for (const p of projects) {
        if (p.cacheDirs.includes(c.path) && p.at === c.at) {
          const rm = p.ecosystem.cleanup.find((x) => x.startsWith("rm -rf "));
          // The table's `rm -rf` cleanups name root's home; for another user, they would miss.
          const ok = rm !== undefined && p.cacheDirs.every((d) => !d.startsWith("/home/")) ? rm : null;
          const words = commandWords(p.command);
          // `python -m pip install`: the tool is the module, not the interpreter.
          const what = (words[1] === "-m" ? words.slice(2, 4) : words.slice(0, 2)).join(" ");
          return { source: p.ecosystem.id, what, dirs: [c.path], cleanup: ok !== null ? `rm -rf ${c.path}` : null, neededLater: false };
        }
      }
      return null;
    }

    /** Whether a later RUN of this stage or a stage built on it installs with this manager without fetching the index itself. */
    function laterNeedsIndex(ins: Instruction, m: SystemPackageManager): boolean {
      if (m.id !== "apt" && m.id !== "apk") return false;
      const stage = ins.stage;
      if (!stage) return false;
      let byManager = indexNeedsByStage.get(stage);
      if (!byManager) indexNeedsByStage.set(stage, (byManager = new Map()));
      let needs = byManager.get(m.id);
      if (!needs) {
        let lastInStage = -1;
        stage.instructions.forEach((i, n) => {
          if (needsIndex(i, m)) lastInStage = n;
        });
        const inLaterStages = stagesBasedOn(model, stage).some((s) => s.instructions.some((i) => needsIndex(i, m)));
        byManager.set(m.id, (needs = { lastInStage, inLaterStages }));
      }
      return needs.inLaterStages || needs.lastInStage > positionIn(stage, ins);
    }

    /** Whether a step (an ONBUILD's trigger included) installs with this manager without fetching the index first in the same RUN. */
    function needsIndex(step: Instruction, m: SystemPackageManager): boolean {
      const run = step.keyword === "ONBUILD" ? step.trigger : step;
      if (!run || run.keyword !== "RUN") return false;
      const cmds = runEffects(model, run).systemCommands.filter((s) => s.manager.id === m.id);
      const install = cmds.findIndex((s) => s.action === "install" && !(m.id === "apk" && s.words.some((w) => w === "--no-cache" || w === "--update" || w === "-U")));
      if (install === -1) return false;
      return !cmds.slice(0, install).some((s) => s.action === "update");
    }
  },
});

function defaultRemedy(dir: string): string {
  for (const m of SYSTEM_PACKAGE_MANAGERS) if (m.indexDirs.includes(dir) || m.cacheDirs.includes(dir)) return m.cleanup;
  return `rm -rf ${dir}`;
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, " ");
  return t.length > 60 ? t.slice(0, 57) + "..." : t;
}

function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return items.slice(0, -1).join(", ") + " and " + items[items.length - 1];
}
