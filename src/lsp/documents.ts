import { isBuildFile } from "../builds/index.js";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import { NOT_A_DOCKERFILE } from "../names.js";

/**
 * Which editor documents are Dockerfiles. Editors disagree on the language
 * id (`dockerfile`, `docker`, `containerfile`, plain text for
 * `Dockerfile.prod`), so the file name decides first and the language id
 * only adds files with other names.
 */
const DOCKERFILE_NAME = /^(?:(?:dockerfile|containerfile)(?:\..+)?|.+\.(?:dockerfile|containerfile))$/i;
const DOCKERFILE_LANGUAGES = new Set(["dockerfile", "docker", "containerfile"]);

export function isDockerfileName(name: string): boolean {
  return DOCKERFILE_NAME.test(name) && !NOT_A_DOCKERFILE.test(name);
}

export function isDockerfileDocument(uri: string, languageId: string | undefined): boolean {
  if (languageId !== undefined && DOCKERFILE_LANGUAGES.has(languageId.toLowerCase())) return true;
  return isDockerfileName(basename(uriPath(uri)));
}

/** The file a `file:` URI names; null for unsaved buffers and remote schemes. */
export function filePathOf(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}

function uriPath(uri: string): string {
  const file = filePathOf(uri);
  if (file) return file;
  const noQuery = uri.replace(/[?#][\s\S]*$/, "");
  try {
    return decodeURIComponent(noQuery);
  } catch {
    return noQuery;
  }
}

/** Configuration files whose change must re-lint every open document. */
export const CONFIG_FILE_NAMES: readonly string[] = [".layerlintrc.json", ".layerlintrc.yaml", ".layerlintrc.yml", "package.json"];

/** Files on disk that change what a lint says about a Dockerfile it does not contain. */
export function affectsLinting(uri: string): boolean {
  const name = basename(uriPath(uri));
  return CONFIG_FILE_NAMES.includes(name) || name === ".dockerignore" || name.endsWith(".dockerignore") || isBuildFile(uriPath(uri));
}
