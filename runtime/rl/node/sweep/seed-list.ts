/**
 * The seeds of a sweep as the command line writes them: `0-9`, `3,5,7`, `0-4,10`. Seeds are
 * non-negative (a leading minus would read as a range), listed once each, and come back sorted
 * so that tables, folders and the bootstrap do not depend on how the list was typed.
 */

/** More seeds than this is almost certainly a typo (`0-10000` for `0-100`), not a sweep. */
const MAX_SEEDS = 10_000;

/** Parses `text`; errors name `flag`, the option the text came from. */
export function parseSeedList(text: string, flag = "--seeds"): number[] {
  const seeds = new Set<number>();
  if (text.trim() === "") throw new Error(`${flag}: no seeds given (e.g. 0-9, 3,5,7 or 0-4,10)`);
  for (const rawPart of text.split(",")) {
    const part = rawPart.trim();
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`${flag}: '${part}' in '${text}' is neither a seed (an integer ≥ 0) nor a range such as 0-9`);
    const first = toSeed(match[1], flag);
    const last = match[2] === undefined ? first : toSeed(match[2], flag);
    if (last < first) throw new Error(`${flag}: the range '${part}' runs backwards (write ${last}-${first})`);
    if (seeds.size + (last - first + 1) > MAX_SEEDS) throw new Error(`${flag}: '${text}' names more than ${MAX_SEEDS} seeds`);
    for (let s = first; s <= last; s++) {
      if (seeds.has(s)) throw new Error(`${flag}: seed ${s} is listed twice in '${text}'`);
      seeds.add(s);
    }
  }
  return [...seeds].sort((a, b) => a - b);
}

function toSeed(digits: string, flag: string): number {
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) throw new Error(`${flag}: seed ${digits} is too large`);
  return n;
}

/** The shortest list `parseSeedList` reads back as `seeds` (sorted, distinct): [0,1,2,3,5,7,8] → "0-3,5,7-8". */
export function formatSeedList(seeds: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < seeds.length; ) {
    let j = i;
    while (j + 1 < seeds.length && seeds[j + 1] === seeds[j] + 1) j++;
    parts.push(j === i ? String(seeds[i]) : `${seeds[i]}-${seeds[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

/** The default sweep folder's name: <env>-seeds<first>-<last> (or -seeds<s> for a single seed). */
export function sweepFolderName(envName: string, seeds: readonly number[]): string {
  const first = seeds[0];
  const last = seeds[seeds.length - 1];
  return `${envName}-seeds${first === last ? first : `${first}-${last}`}`;
}
