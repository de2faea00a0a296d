/** The end of a UI test run. */
import { rmSync } from 'node:fs';

/** Closes the browser, stops code-server and removes the run's folder (or says where it was kept). */
export async function tearDown({ browser, server, runDir, keep, say }) {
  await browser?.close().catch(() => {});
  await server?.stop().catch(() => {});
  if (keep) say(`kept ${runDir}`);
  else rmSync(runDir, { recursive: true, force: true });
}
