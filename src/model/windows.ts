import type { Stage } from "../parse/index.js";
import { expand, flagValue, type CacheModel } from "./index.js";

/**
 * Images that only exist for Windows: the .NET Framework images, and
 * names that say so (`nanoserver`, `servercore`, `ltsc2022`...).
 */
const WINDOWS_IMAGE = /windows|nanoserver|servercore|ltsc20|mcr\.microsoft\.com\/dotnet\/framework\//i;

/**
 * Whether a stage builds a Windows image, where BuildKit features that
 * Linux builds have are missing (`COPY --link`, cache mounts in Docker's
 * Windows builder) and paths are Windows paths: its image is a Windows
 * one, its FROM says `--platform=windows/...` (global ARGs substituted, as
 * the model does for the image), or the stage it is built FROM is Windows.
 */
export function isWindowsStage(model: CacheModel, stage: Stage): boolean {
  // Asked per stage: each answer is kept, so a chain of thousands of stages is walked once, not once per stage.
  let known = windowsByModel.get(model);
  if (!known) windowsByModel.set(model, (known = new Map()));
  const chain: Stage[] = [];
  let answer = false;
  for (let s: Stage | null = stage; s; s = model.baseStage(s)) {
    const seen = known.get(s);
    if (seen !== undefined) {
      answer = seen;
      break;
    }
    chain.push(s);
    if (WINDOWS_IMAGE.test(model.info(s.from)?.inputs.image?.ref ?? s.base)) {
      answer = true;
      break;
    }
    const platform = flagValue(s.from, "platform");
    if (platform !== null && /^windows(\/|$)/i.test(expand(platform, model.globalValue, model.file.directives.escape).trim())) {
      answer = true;
      break;
    }
  }
  for (const s of chain) known.set(s, answer);
  return answer;
}

const windowsByModel = new WeakMap<CacheModel, Map<Stage, boolean>>();
