/**
 * Names that look like Dockerfiles but are not lint input: the ignore file
 * of a Dockerfile (`Dockerfile.dockerignore`), templates that a generator
 * turns into Dockerfiles (`Dockerfile.template`, `Dockerfile.j2`,
 * `Dockerfile.in`: their placeholders are syntax errors to BuildKit), and
 * editor and patch leftovers. A file named on the command line is linted
 * whatever its name; this decides what a directory search, the pre-commit
 * hooks (whose `exclude` is this pattern) and the language server pick up.
 */
export const NOT_A_DOCKERFILE = /\.(?:dockerignore|template|tmpl|tpl|j2|jinja|jinja2|erb|in|mustache|hbs|gotmpl|orig|rej|bak|swp)$|~$/;
