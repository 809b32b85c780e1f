import type { Instruction } from "../parse/index.js";
import type { CacheModel, StepInfo } from "./index.js";
import { stageName } from "./simulate.js";

/**
 * What a step's cache key depends on, in words ("command text",
 * "build-arg GIT_SHA (line 3)", "content and mode of package.json"), for
 * people: `layerlint explain` prints it and rule messages may quote it.
 * Empty for instructions that are not steps.
 */
export function keyInputs(model: CacheModel, info: StepInfo): string[] {
  const { inputs } = info;
  const ins = info.instruction;
  const out: string[] = [];
  if (!info.label) return out;
  if (info.kind === "base") {
    const image = inputs.image;
    if (image) out.push(image.digest ? `image ${image.ref} (pinned by digest)` : `image ${image.ref} (whatever the tag points to)`);
    return out;
  }
  out.push("parent step");
  switch (ins.keyword) {
    case "RUN": {
      out.push(ins.heredocs.length > 0 ? "command text with heredoc bodies" : "command text");
      for (const a of inputs.args ?? []) out.push(`build-arg ${a.name} (line ${a.declaredAt.range.start.line + 1})`);
      if ((inputs.env ?? []).length > 0) out.push(`ENV ${(inputs.env ?? []).join(", ")}`);
      if (inputs.user) out.push(`USER ${inputs.user}`);
      if (inputs.workdir && inputs.workdir !== "/") out.push(`WORKDIR ${inputs.workdir}`);
      if (inputs.shell) out.push(`SHELL ${JSON.stringify(inputs.shell)}`);
      if (inputs.network !== null && inputs.network !== undefined) out.push(`network ${inputs.network}`);
      for (const m of ins.mounts) {
        if (m.from) {
          const stage = model.stage(m.from);
          out.push(`${m.type} mount of ${stage ? `stage ${stageName(stage)}` : `image ${m.from}`}${m.source ? `:${m.source}` : ""}`);
        } else if (m.type === "bind") out.push(`context files read through the bind mount${m.source ? ` of ${m.source}` : ""}`);
      }
      const unkeyed = ins.mounts.filter((m) => m.type !== "bind" && !m.from);
      if (unkeyed.length > 0) out.push(`not: the content of ${unkeyed.map((m) => `the ${m.type} mount${m.target ? ` ${m.target}` : ""}`).join(", ")}`);
      break;
    }
    case "COPY":
    case "ADD": {
      for (const s of inputs.sources ?? []) {
        switch (s.kind) {
          case "context": {
            const files = model.copiedFiles(ins);
            out.push(files ? `content and mode of ${describeFiles(files)}` : `content and mode of ${s.path} (after .dockerignore)`);
            break;
          }
          case "stage":
            out.push(`files of stage ${inputs.fromStage ? stageName(inputs.fromStage) : "?"} at ${s.path}`);
            break;
          case "image":
            out.push(`files of image ${inputs.fromImage ?? "?"} at ${s.path}`);
            break;
          case "url":
            out.push(`content of ${s.path} (fetched on every build)`);
            break;
          case "git":
            out.push(`the commit ${s.path} resolves to`);
            break;
          case "heredoc":
            out.push("heredoc body");
            break;
        }
      }
      if (inputs.destination) out.push(`destination ${inputs.destination}`);
      break;
    }
    case "WORKDIR":
      out.push(`path ${inputs.destination ?? "/"}`);
      if (inputs.user) out.push(`USER ${inputs.user}`);
      break;
  }
  return [...new Set(out)];
}

function describeFiles(files: readonly string[]): string {
  if (files.length === 0) return "no context file (nothing matches)";
  if (files.length <= 3) return files.join(", ");
  return `${files.length} context files (${files.slice(0, 2).join(", ")}, …)`;
}

/** What a metadata instruction changes for the steps after it (cache-semantics.md). */
export function metadataEffect(ins: Instruction): string {
  switch (ins.keyword) {
    case "ARG":
      return ins.stage
        ? "its value is in the key of every later RUN of the stage and of stages built FROM it"
        : "global: only FROM lines and stages that declare it again see it";
    case "ENV":
      return "its value is in the key of every later RUN";
    case "USER":
      return "in the key of later RUN and WORKDIR steps";
    case "SHELL":
      return "in the key of later RUN steps";
    case "ONBUILD":
      return "runs as a step in stages built FROM this one";
    default:
      return "image configuration only: no step depends on it";
  }
}
