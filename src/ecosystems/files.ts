import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { BuildContext } from "../model/context.js";
import type { ProjectFiles } from "./types.js";

/**
 * The set of sent files and the manifests read so far, kept per build
 * context: the language server lints one context on every keystroke.
 */
const reads = new WeakMap<BuildContext, { sent: ReadonlySet<string>; texts: Map<string, string | null> }>();

function readsOf(context: BuildContext, all: readonly string[]): { sent: ReadonlySet<string>; texts: Map<string, string | null> } {
  let r = reads.get(context);
  if (!r) reads.set(context, (r = { sent: new Set(all), texts: new Map() }));
  return r;
}

/** Manifests are small; a bigger file is not one worth parsing. */
const MAX_MANIFEST_BYTES = 1 << 20;

/**
 * The build context's files under `dir` (context-relative, "" for the
 * root), as an install running there sees them. Only files BuildKit would
 * send count: `.dockerignore`d files read as absent. Null when the context
 * is not on disk.
 */
export function projectFiles(context: BuildContext, dir: string): ProjectFiles | null {
  const root = context.root;
  const all = context.files();
  if (root === null || all === null) return null;
  const prefix = dir === "" ? "" : dir.replace(/(?<!\/)\/+$/, "") + "/";
  const { sent, texts } = readsOf(context, all);
  let listed: string[] | undefined;
  return {
    read(path) {
      const full = prefix + path.replace(/^\.\//, "");
      if (texts.has(full)) return texts.get(full) ?? null;
      let text: string | null = null;
      if (sent.has(full)) {
        try {
          if (statSync(join(root, full)).size <= MAX_MANIFEST_BYTES) text = readFileSync(join(root, full), "utf8");
        } catch {
          text = null;
        }
      }
      texts.set(full, text);
      return text;
    },
    list() {
      listed ??= all.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length));
      return listed;
    },
  };
}
