/**
 * Which paths are GitHub Actions workflows. Kept apart from the model so
 * that the file search can ask without loading the YAML parser.
 */

/**
 * A file named on the command line (or in a fixture) with a YAML extension
 * is read as a workflow, unless its name says it is a Dockerfile
 * (`Dockerfile.yml` is one a directory search finds as a Dockerfile too).
 */
export function isWorkflowFileName(path: string): boolean {
  return /\.ya?ml$/i.test(path) && !/(?:^|[\\/])(?:Dockerfile|Containerfile)\.[^\\/]*$/.test(path);
}

/** A directory search takes only the files GitHub runs: directly in `.github/workflows/`. */
export function isWorkflowPath(path: string): boolean {
  return /(?:^|[\\/])\.github[\\/]workflows[\\/][^\\/]+\.ya?ml$/i.test(path);
}

/**
 * Whether a workflow's text could build an image: a quick look before the
 * YAML parser is loaded, so that a search over a repository whose workflows
 * build nothing costs no parsing.
 */
export function mayBuildImages(text: string): boolean {
  return text.includes("docker") || text.includes("podman");
}
