/** A database path that names something the tool did not write (see dbPath.ts). Nothing was changed. */
export class DatabaseRefusedError extends Error {
  constructor(
    /** The refused path, absolute. */
    readonly path: string,
    /** Why, as the end of a sentence: "is a folder". */
    readonly reason: string,
    /** What to do instead. */
    readonly advice = 'choose a new file name (e.g. index.sqlite) in an existing folder',
  ) {
    super(`Refused to use ${path} as the index database: it ${reason}. Nothing there was changed; ${advice}.`);
    this.name = 'DatabaseRefusedError';
  }
}
