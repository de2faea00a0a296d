/** The work one file's parse may do: a number of elements and an amount of time (ReadLimits). */
import type * as dicomParser from 'dicom-parser';
import { BudgetExceeded, parseTooSlow, tooManyElements } from './problems';
import { DEFAULT_LIMITS, ReadLimits } from './types';

/** Parse time spent on one file so far, over all the parses of its reads (the waits for reads not counted). */
export class ParseClock {
  usedMs = 0;
}

/** Reads between two looks at the clock. */
const CLOCK_EVERY = 4096;

/**
 * Counts the work of one parse where every element passes, dicom-parser's nested sequence reading
 * included: each tag is two readUint16 calls on the one ByteStream the whole parse shares (the fast
 * path spends what dicom-parser's reader would: 3 for a 2-byte length, 2 for a 4-byte one).
 */
export class Budget {
  private readonly maxElements: number;
  private readonly maxMs: number;
  private readonly maxCalls: number;
  private readonly deadline: number;
  private calls = 0;
  private nextClockCheck = CLOCK_EVERY;

  constructor(limits: ReadLimits, clock: ParseClock) {
    this.maxElements = limits.maxElements ?? DEFAULT_LIMITS.maxElements!;
    this.maxMs = limits.maxParseMs ?? DEFAULT_LIMITS.maxParseMs!;
    this.maxCalls = 2 * this.maxElements;
    this.deadline = Date.now() + this.maxMs - clock.usedMs;
  }

  /** Adds `n` 16-bit-read equivalents; throws BudgetExceeded past a limit. */
  spend(n: number): void {
    this.calls += n;
    if (this.calls > this.maxCalls) throw new BudgetExceeded(tooManyElements(this.maxElements));
    if (this.calls >= this.nextClockCheck) {
      this.nextClockCheck = this.calls + CLOCK_EVERY;
      if (Date.now() > this.deadline) throw new BudgetExceeded(parseTooSlow(this.maxMs));
    }
  }

  /** Charges every readUint16 dicom-parser makes on `stream` to this budget. */
  watch(stream: dicomParser.ByteStream): void {
    const read16 = stream.readUint16;
    const spend = () => this.spend(1);
    (stream as { readUint16: () => number }).readUint16 = function (this: dicomParser.ByteStream) {
      spend();
      return read16.call(this);
    };
  }
}
