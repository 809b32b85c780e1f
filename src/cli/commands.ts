/**
 * The names of layerlint's commands. Kept apart from the command table
 * (main.ts) so that the start-up entry can tell a command from a path
 * without bundling the commands themselves.
 */
export const COMMAND_NAMES = ["lint", "explain", "lsp", "impact", "why"] as const;

export type CommandName = (typeof COMMAND_NAMES)[number];

export function isCommandName(word: string | undefined): word is CommandName {
  return (COMMAND_NAMES as readonly (string | undefined)[]).includes(word);
}
