import { defineRule } from "../../src/engine/define.js";
import type { TextEdit } from "../../src/engine/types.js";
import { instructionLines, moveInstructionsTo } from "../../src/fix/edits.js";
import { argDeclarations, envPairs, referencedVariables } from "../../src/model/index.js";
import type { Instruction } from "../../src/parse/index.js";
import { runEffects } from "../../src/model/reads.js";
import { perList } from "../../src/memo.js";

/**
 * Instructions that expand build arguments into the image's configuration
 * only: no step, so a LABEL naming the argument may move down with it.
 */
const CONFIG_ONLY = new Set(["LABEL", "EXPOSE", "STOPSIGNAL", "MAINTAINER"]);
/** Instructions whose variables are expanded when the container runs, not by the build: they do not use a build argument. */
const RUNTIME_ONLY = new Set(["CMD", "ENTRYPOINT", "HEALTHCHECK"]);

/** Build-argument names whose value, by convention, changes on every build or release. */
const VOLATILE_NAMES = [
  "GIT_SHA", "GIT_COMMIT", "GIT_HASH", "GIT_REV", "GIT_REVISION", "GIT_TAG", "GIT_BRANCH", "GIT_DESCRIBE",
  "COMMIT", "COMMIT_SHA", "COMMIT_HASH", "COMMIT_ID", "SHA", "REVISION", "SOURCE_COMMIT", "SOURCE_VERSION", "VCS_REF",
  "BUILD_DATE", "BUILD_TIME", "BUILD_TIMESTAMP", "BUILD_NUMBER", "BUILD_ID", "BUILD_VERSION", "BUILDTIME", "BUILD_REF",
  "CACHEBUST", "CACHE_BUST", "CACHEBUSTER", "CACHE_DATE", "TIMESTAMP", "VERSION", "APP_VERSION", "RELEASE", "RELEASE_VERSION",
  "CI_COMMIT_SHA", "GITHUB_SHA", "GITHUB_RUN_ID", "GITHUB_RUN_NUMBER",
  "BUILD_HASH", "BUILD_METADATA", "BUILD_SHA", "BUILD_COMMIT", "BUILD_DATETIME", "BUILD_TAG", "BUILD_INFO", "BUILDDATE", "BUILDNUMBER",
  "COMMIT_REF", "COMMIT_SHORT_SHA", "COMMIT_SHORT", "SHORT_SHA", "GIT_SHORT_SHA", "GIT_COMMIT_SHA", "GIT_COMMIT_HASH", "GIT_COMMIT_ID", "GIT_VERSION", "GIT_REF",
  "VCS_REVISION", "SOURCE_DATE_EPOCH", "CI_COMMIT_SHORT_SHA", "CI_PIPELINE_ID", "CI_JOB_ID", "BITBUCKET_COMMIT", "CIRCLE_SHA1", "TRAVIS_COMMIT", "DRONE_COMMIT_SHA",
  "IMAGE_TAG", "IMAGE_VERSION", "DOCKER_TAG", "PACKAGE_VERSION", "PROJECT_VERSION", "RELEASE_TAG", "CACHE_BUSTER", "CACHEBUSTER_DATE", "NOCACHE",
];

export default defineRule({
  id: "volatile-arg-early",
  meta: {
    description: "A build argument whose value changes per build, declared before the steps that do not read it, re-runs each of them",
    severity: "warning",
    fixable: "safe",
    options: {
      names: { type: "string[]", default: VOLATILE_NAMES, description: "ARG names taken as changing on every build (compared case-insensitively)" },
      allArgs: { type: "boolean", default: false, description: "Also check every ARG declared without a default value" },
    },
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    early: (d: { name: string; count: number; first: string; use: string; with: string }) =>
      `\`ARG ${d.name}\` is declared before ${d.count === 1 ? "a step that does" : `${d.count} steps that do`} not read it (first \`${d.first}\`): each re-runs whenever its value changes; declare it${d.with} just before ${d.use}`,
    configOnly: (d: { name: string; count: number; first: string; config: string }) =>
      `\`ARG ${d.name}\` is declared before ${d.count === 1 ? "a step that does" : `${d.count} steps that do`} not read it (first \`${d.first}\`), and only ${d.config} uses it: each step re-runs whenever its value changes; declare it, with that instruction, after them at the end of the stage`,
    passedOn: (d: { name: string; count: number; first: string; env: string; line: number; vars: string; place: string }) =>
      `\`ARG ${d.name}\` reaches ${d.count === 1 ? "a step that does" : `${d.count} steps that do`} not read it (first \`${d.first}\`) through \`${d.env}\` (line ${d.line}), which sets ${d.vars} in their environment: each re-runs whenever its value changes; set ${d.vars} from it in an ENV of ${d.vars.includes(",") ? "their" : "its"} own, and declare both ${d.place}`,
    cheapFirst: (d: { name: string; consumer: string; line: number; count: number; advice: string }) =>
      `\`ARG ${d.name}\` is read by \`${d.consumer}\` (line ${d.line}) before ${d.count === 1 ? "a step" : `${d.count} steps`} that do not need it: its layer changes with every value, so each of them re-runs on every build; ${d.advice}`,
    unused: (d: { name: string; count: number; first: string }) =>
      `\`ARG ${d.name}\` is declared before ${d.count === 1 ? "a step that cannot" : `${d.count} steps that cannot`} read it (first \`${d.first}\`) and nothing in the stage refers to it: each re-runs whenever its value changes; declare it where it is used, or remove it`,
  },
  create(ctx) {
    const { model, file } = ctx;
    const names = upperCaseSet(ctx.options.names);
    return {
      ARG(ins) {
        if (ins.onbuild || !ins.stage) return;
        const declared = argDeclarations(ins);
        for (const a of declared) {
          const volatile = names.has(a.name.toUpperCase()) || (ctx.options.allArgs && a.defaultValue === undefined);
          if (!volatile) continue;
          check(ins, a.name, declared.length === 1);
          return;
        }
      },
    };

    function check(arg: Instruction, name: string, movableAlone: boolean): void {
      const stage = arg.stage;
      if (!stage) return;
      // An ENV of the same name: an ARG with a value overrides an ENV above it, and an ENV below shadows the ARG,
      // so moving the ARG past steps would change the value they see.
      const movable = movableAlone && !stage.instructions.some((i) => i.keyword === "ENV" && envPairs(i).some(([k]) => k === name));
      const after = stage.instructions.slice(stage.instructions.indexOf(arg) + 1);
      const tracked = new Set([name]);
      const envs: Instruction[] = [];
      const skipped: Instruction[] = [];
      // LABELs and the like that name it: they need it declared, but make no step, so they move with it.
      const carried: Instruction[] = [];
      let target: Instruction | null = null;
      let textualUse = false;
      for (const i of after) {
        const refs = referencedVariables(i.source);
        const uses = [...refs].some((r) => tracked.has(r));
        if (i.keyword === "ENV" && uses) {
          // `ENV X=$GIT_SHA` passes the value on: X is as volatile, and every later step sees it.
          for (const [k] of envPairs(i)) tracked.add(k);
          envs.push(i);
          continue;
        }
        if (uses && RUNTIME_ONLY.has(i.keyword)) continue;
        if (uses && CONFIG_ONLY.has(i.keyword)) {
          carried.push(i);
          continue;
        }
        if (uses) {
          target = i;
          textualUse = true;
          break;
        }
        if (i.keyword !== "RUN") continue;
        // A RUN that could read the value from its environment without naming it ends the search: it may need it.
        if (!mayIgnore(i)) {
          target = i;
          break;
        }
        skipped.push(i);
      }
      // No step re-runs for a value it does not read: nothing to report, unless a cheap step reads it early.
      if (skipped.length === 0) {
        if (target && textualUse && envs.length === 0) lateConsumer(arg, name, target, movable, carried);
        return;
      }
      const first = oneLine(`RUN ${skipped[0].argText}`);
      const safe = skipped.every((s) => provablyIgnores(s));
      const useText = target
        ? textualUse
          ? `\`${oneLine(target.source)}\` (line ${target.range.start.line + 1}), its first use`
          : `\`${oneLine(target.source)}\` (line ${target.range.start.line + 1}), the first step that may read it`
        : null;
      if (envs.length > 0) {
        // The ENV puts the value (and maybe other settings) in the environment of every later step:
        // moving it would change what those steps see, so there is advice and no fix.
        const env = envs[0];
        const vars = envPairs(env).filter(([, v]) => [...referencedVariables(v)].some((r) => tracked.has(r))).map(([k]) => k);
        ctx.report({
          node: arg,
          message: ctx.messages.passedOn({
            name,
            count: skipped.length,
            first,
            env: oneLine(env.source),
            line: env.range.start.line + 1,
            vars: vars.join(", "),
            place: useText ? `just before ${useText}` : `after them at the end of the stage${carried.length > 0 ? `, with \`${oneLine(carried[0].source)}\`` : ""}`,
          }),
        });
        return;
      }
      const moved = [arg, ...carried];
      if (!target) {
        if (carried.length === 0) {
          ctx.report({ node: arg, message: ctx.messages.unused({ name, count: skipped.length, first }) });
          return;
        }
        const last = stage.instructions.filter((i) => !moved.includes(i)).pop();
        const fix = movable && last ? moveInstructionsTo(file, moved, instructionLines(file, last).end) : null;
        ctx.report({
          node: arg,
          message: ctx.messages.configOnly({ name, count: skipped.length, first, config: carried.map((c) => `\`${oneLine(c.source)}\``).join(" and ") }),
          fix: fix ? { edits: fix, safety: safe ? "safe" : "unsafe" } : null,
        });
        return;
      }
      const fix = movable ? moveBefore(moved, target) : null;
      ctx.report({
        node: arg,
        message: ctx.messages.early({ name, count: skipped.length, first, use: useText ?? "", with: carried.length > 0 ? `, with \`${oneLine(carried[0].source)}\` that uses it,` : "" }),
        fix: fix ? { edits: fix, safety: safe ? "safe" : "unsafe" } : null,
      });
    }

    /**
     * `ARG COMMIT_HASH` / `RUN echo $COMMIT_HASH > /commit.txt` / heavy
     * steps: the cheap RUN's layer changes on every build, and every step
     * after it re-runs. It can go, with the ARG, to the end of the stage
     * when it only writes files no later instruction names and nothing
     * that changes its environment (ENV, USER, WORKDIR, SHELL, ARG) lies
     * between. Unsafe: the later steps no longer see the file.
     */
    function lateConsumer(arg: Instruction, name: string, consumer: Instruction, movable: boolean, carried: Instruction[]): void {
      const stage = arg.stage;
      if (!stage || consumer.keyword !== "RUN" || consumer.json || consumer.mounts.length > 0) return;
      const fx = runEffects(model, consumer);
      if (!fx.understood || fx.system || fx.projectInstalls.length > 0 || fx.opaqueScripts.length > 0) return;
      const rest = stage.instructions.slice(stage.instructions.indexOf(consumer) + 1);
      const later = rest.filter((i) => i.keyword === "RUN" || i.keyword === "COPY" || i.keyword === "ADD");
      // Only steps known not to read the file: an opaque script (`./build.sh`) might.
      if (later.length === 0 || !later.every((i) => i.keyword !== "RUN" || mayIgnore(i))) return;
      const written = [...fx.created, ...fx.touched].map((e) => e.path.split("/").pop() ?? "").filter((b) => b.length > 0);
      const named = rest.some((i) => written.some((b) => i.source.includes(b)) || referencedVariables(i.source).has(name));
      const changesEnv = rest.some((i) => ["ENV", "ARG", "USER", "WORKDIR", "SHELL", "ONBUILD"].includes(i.keyword));
      const between = stage.instructions.slice(stage.instructions.indexOf(arg) + 1, stage.instructions.indexOf(consumer));
      const canMove = movable && !named && !changesEnv && between.every((i) => carried.includes(i) || i.keyword !== "ENV");
      // After the last step, above the CMD and other image settings that close the stage.
      const last = later[later.length - 1];
      const fix = canMove ? moveInstructionsTo(file, [arg, ...carried, consumer], instructionLines(file, last).end) : null;
      ctx.report({
        node: arg,
        message: ctx.messages.cheapFirst({ name, consumer: oneLine(consumer.source), line: consumer.range.start.line + 1, count: later.length, advice: canMove ? "move both to the end of the stage" : named ? "a later step names what it writes: read the value where it is needed, as late as possible" : "move both to the end of the stage, below the ENV, USER and WORKDIR lines they need" }),
        fix: fix ? { edits: fix, safety: "unsafe" } : null,
      });
    }

    /**
     * A RUN that will not read a build's commit or date: a dependency or
     * system-package install, or commands that read no environment. A build
     * of the project (`cargo build`, `go generate`, `pip install .`) may
     * stamp the value in without naming it (`env!("GIT_SHA")`, build.rs).
     */
    function mayIgnore(run: Instruction): boolean {
      if (run.json) return false;
      if (provablyIgnores(run)) return true;
      const installs = model.installs(run);
      if (installs.some((i) => i.builds === true || i.needsSources)) return false;
      const fx = runEffects(model, run);
      return installs.length > 0 || fx.systemCommands.some((c) => c.action === "install" || c.action === "update");
    }

    function provablyIgnores(run: Instruction): boolean {
      const fx = runEffects(model, run);
      return fx.understood && fx.envInert;
    }

    /** Moves the instructions, in order, to just before `target`. */
    function moveBefore(moved: Instruction[], target: Instruction): TextEdit[] {
      // Above the comment lines right over the target: they belong to it (an ignore comment too).
      const commentLines = new Set(file.comments.map((c) => c.range.start.line));
      let line = target.range.start.line;
      while (line > 0 && commentLines.has(line - 1)) line--;
      return moveInstructionsTo(file, moved, file.lineStarts[line]);
    }
  },
});

// The names option is the same array for every file linted with one
// configuration (the default list, or the configuration's): its set is built once.
const upperCaseSet = perList((names: readonly string[]): ReadonlySet<string> => new Set(names.map((n) => n.toUpperCase())));

function oneLine(s: string): string {
  const t = s.replace(/(?:(?<!\s)\s+)?\\?\r?\n\s*/g, " ").replace(/\s+/g, " ");
  return t.length > 50 ? t.slice(0, 47) + "..." : t;
}
