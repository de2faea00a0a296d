// The small test runner every UI test (test/ui/*.ui.mjs) shares: named checks that keep going after a
// failure (with a screenshot), assertions, and the closing `ui NAME: N passed, N failed` line that
// test/ui/run.mjs and CI read.
import { screenshot } from './workbench.mjs';

/**
 * @param {string} name  the test's short name ("tree", "summary", …)
 * @param {() => import('playwright-core').Page | undefined} currentPage  for failure screenshots
 */
export function createChecks(name, currentPage) {
  const t0 = Date.now();
  const counts = { passed: 0, failed: 0 };
  const say = (m) => console.log(`[ui ${name}] ${m}`);
  const shoot = async (file) => {
    const page = currentPage();
    if (page) await screenshot(page, file).catch(() => {});
  };
  return {
    counts,
    say,
    /** Runs one named check; a failure is counted and screenshotted, and the run goes on. */
    async check(title, fn) {
      const t = Date.now();
      try {
        await fn();
        counts.passed++;
        say(`✔ ${title} (${Date.now() - t} ms)`);
      } catch (err) {
        counts.failed++;
        say(`✘ ${title}: ${err?.stack ?? err}`);
        await shoot(`${name}-failure-${counts.failed}.png`);
      }
    },
    /** A failure outside the checks (set-up): counted, reported, screenshotted. */
    async fail(err) {
      counts.failed++;
      say(`✘ ERROR: ${err?.stack ?? err}`);
      await shoot(`${name}-error.png`);
    },
    assert(cond, msg) {
      if (!cond) throw new Error(msg);
    },
    assertEq(actual, wanted, what) {
      if (JSON.stringify(actual) !== JSON.stringify(wanted)) throw new Error(`${what}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(wanted)}`);
    },
    /**
     * A hard time limit for the whole test: past it, one more failure is counted, the closing line
     * printed, `cleanup` run and the process ended with 124. Returns a function that disarms it.
     */
    limitTime(ms, cleanup) {
      const timer = setTimeout(async () => {
        console.error(`[ui ${name}] TIMEOUT after ${Math.round(ms / 1000)} s`);
        counts.failed++;
        this.finish();
        await cleanup();
        process.exit(124);
      }, ms);
      return () => clearTimeout(timer);
    },
    /** Prints the closing line and returns the exit code. */
    finish() {
      console.log(`ui ${name}: ${counts.passed} passed, ${counts.failed} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      return counts.failed ? 1 : 0;
    },
  };
}
