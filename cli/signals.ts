/** What gradc's long-running commands share about signals and the commands they print for the user. */

/** The conventional exit status of a process stopped by a signal: 128 + its number. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

/** `text` as one shell word, so that a printed command (a resume hint) can be pasted as it is. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
