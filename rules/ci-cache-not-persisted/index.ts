import { cacheType } from "../../src/ci/builds.js";
import type { ImageBuild, Workflow, WorkflowJob, WorkflowStep } from "../../src/ci/workflow.js";
import { defineRule } from "../../src/engine/define.js";
import type { TextEdit } from "../../src/engine/types.js";

const IMPORT = "cache-from: type=gha";
const EXPORT = "cache-to: type=gha,mode=max";

/** Why it matters and what mode=max is for, shared by every message. */
const WHY = "each run starts from an empty builder, so every layer is rebuilt and every cache finding is moot";
const MODE_MAX = "mode=max also keeps the cache of a multi-stage build's intermediate stages";

export default defineRule({
  id: "ci-cache-not-persisted",
  meta: {
    description: "A GitHub Actions step builds an image on a GitHub-hosted runner without importing and exporting the build cache",
    severity: "warning",
    fixable: "safe",
    input: "workflow",
    sources: { hadolint: [], buildkit: [], tally: [] },
  },
  messages: {
    action: (d: { step: string; missing: Missing; buildx: boolean }) =>
      `${d.step} builds an image on a GitHub-hosted runner without a cache ${d.missing.what}: ${WHY}; ` +
      `add ${d.missing.keys.map((k) => `\`${k}\``).join(" and ")} to its \`with:\` (${MODE_MAX})` +
      (d.buildx ? "" : "; the job also needs a `docker/setup-buildx-action` step before it, since the default docker driver cannot export a cache"),
    command: (d: { step: string; command: string; missing: Missing }) =>
      `\`${d.command}\` in ${d.step} builds an image on a GitHub-hosted runner without a cache ${d.missing.what}: ${WHY}; ` +
      `add ${d.missing.flags.map((k) => `\`${k}\``).join(" and ")} (${MODE_MAX}); a run step also needs \`docker/setup-buildx-action\` and the cache token, which \`crazy-max/ghaction-github-runtime\` exposes, or use \`docker/build-push-action\``,
    podman: (d: { step: string; command: string; missing: Missing }) =>
      `\`${d.command}\` in ${d.step} builds an image on a GitHub-hosted runner without a cache ${d.missing.what}: ${WHY}; ` +
      `add \`--cache-from\` and \`--cache-to\` naming an image repository in a registry the job can push to (podman has no GitHub Actions cache backend)`,
  },
  create(ctx) {
    const { workflow } = ctx;
    return {
      "workflow:step"(step, job) {
        if (job.runner !== "hosted") return;
        for (const build of step.builds) {
          const missing = missingSide(build);
          if (missing === null) continue;
          const name = stepName(step, job);
          if (build.via === "action") {
            const buildx = hasBuildx(job, step);
            ctx.report({ range: build.range, message: ctx.messages.action({ step: name, missing, buildx }), fix: buildx ? addCacheInputs(workflow, step) : null });
          } else {
            const command = oneLine(build.command ?? "");
            const message = build.tool.startsWith("podman") ? ctx.messages.podman({ step: name, command, missing }) : ctx.messages.command({ step: name, command, missing });
            ctx.report({ range: build.range, message });
          }
        }
      },
    };
  },
});

/** What a build lacks, and what to add for it. */
interface Missing {
  what: string;
  keys: string[];
  flags: string[];
}

/**
 * What the build lacks, or null when nothing is to be said: both sides are
 * there, the build uses no cache, or it names a cache that outlives the
 * runner other than GitHub's (a registry, a local directory saved by
 * actions/cache, S3...), which the rule cannot follow.
 */
function missingSide(build: ImageBuild): Missing | null {
  if (build.noCache) return null;
  if ([...build.cacheFrom, ...build.cacheTo].some((spec) => cacheType(spec) !== "gha")) return null;
  const noImport = build.cacheFrom.length === 0;
  const noExport = build.cacheTo.length === 0;
  if (!noImport && !noExport) return null;
  return {
    what: noImport && noExport ? "import or export (`cache-from`, `cache-to`)" : noImport ? "import (`cache-from`)" : "export (`cache-to`)",
    keys: [...(noImport ? [IMPORT] : []), ...(noExport ? [EXPORT] : [])],
    flags: [...(noImport ? ["--cache-from type=gha"] : []), ...(noExport ? ["--cache-to type=gha,mode=max"] : [])],
  };
}

function stepName(step: WorkflowStep, job: WorkflowJob): string {
  const label = step.name || step.id || step.uses?.value;
  return label ? `step \`${oneLine(label)}\` of job \`${job.id}\`` : `step ${step.index + 1} of job \`${job.id}\``;
}

function oneLine(text: string): string {
  // A multi-line command reads as the shell runs it: continuation backslashes and line breaks become spaces.
  const line = text
    .split("\n")
    .map((l) => l.trim())
    .map((l) => (l.endsWith("\\") ? l.slice(0, -1).trimEnd() : l))
    .filter((l) => l !== "")
    .join(" ");
  return line.length > 80 ? `${line.slice(0, 77)}...` : line;
}

/** A buildx builder (not the docker driver) set up by an earlier step of the job: it can export a cache. */
function hasBuildx(job: WorkflowJob, step: WorkflowStep): boolean {
  return job.steps
    .slice(0, step.index)
    .some((s) => s.uses !== null && /^docker\/setup-buildx-action(@|$)/i.test(s.uses.value.trim()) && s.with.get("driver")?.value.trim() !== "docker");
}

/**
 * The two `with:` inputs when the step has neither, as lines of their own:
 * after the last input of a block `with:`, or in a new `with:` after `uses:`. Nothing when the
 * layout is not plain block YAML (a flow mapping, an empty `with:`).
 */
function addCacheInputs(workflow: Workflow, step: WorkflowStep): { edits: TextEdit[] } | null {
  const { text, eol } = workflow.source;
  // One key already there (even empty) would be written twice: the user completes it.
  if (step.with.has("cache-from") || step.with.has("cache-to")) return null;
  const lineStart = (line: number): number => (line < workflow.lineStarts.length ? workflow.lineStarts[line] : text.length);
  if (step.withBlock) {
    const inputs = [...step.with.values()];
    const first = inputs[0];
    const last = inputs[inputs.length - 1];
    if (step.withBlock.flow || !first) return null;
    const indent = text.slice(lineStart(first.keyRange.start.line), first.keyRange.start.offset);
    if (!/^ *$/.test(indent)) return null;
    // After the last input, so that no comment is parted from the key it is about.
    const line = last.range.end.line + 1;
    const lines = `${indent}${IMPORT}${eol}${indent}${EXPORT}${eol}`;
    return { edits: [line < workflow.lineStarts.length ? { range: [lineStart(line), lineStart(line)], text: lines } : { range: [text.length, text.length], text: eol + lines }] };
  }
  const uses = step.uses;
  if (!uses || uses.range.end.line !== uses.keyRange.start.line) return null;
  const usesLine = uses.keyRange.start.line;
  // Only indentation and the list dash before `uses:`: a flow mapping step (`- { uses: ... }`) is left alone.
  if (!/^ *(- +)?$/.test(text.slice(lineStart(usesLine), uses.keyRange.start.offset))) return null;
  const indent = " ".repeat(uses.keyRange.start.column);
  const block = `${indent}with:${eol}${indent}  ${IMPORT}${eol}${indent}  ${EXPORT}${eol}`;
  const next = usesLine + 1;
  if (next < workflow.lineStarts.length) return { edits: [{ range: [lineStart(next), lineStart(next)], text: block }] };
  return { edits: [{ range: [text.length, text.length], text: eol + block }] };
}
