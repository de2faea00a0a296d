/**
 * Pushes a one-shot run's metrics to a Prometheus Pushgateway (prom-client's client): job
 * `dicom_index`, grouped by `instance` (the host name), replacing what that group pushed before, so
 * a batch job's last run is what Prometheus scrapes from the gateway.
 */
import * as os from 'node:os';
import { Pushgateway, type Registry } from 'prom-client';

export const PUSH_JOB = 'dicom_index';

export async function pushMetrics(registry: Registry, gatewayUrl: string, opts: { instance?: string; timeoutMs?: number } = {}): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(gatewayUrl);
  } catch {
    throw new Error(`--pushgateway ${gatewayUrl} is not a URL (e.g. http://127.0.0.1:9091)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`--pushgateway must be an http:// or https:// URL, not ${parsed.protocol}`);
  const gateway = new Pushgateway(parsed.toString(), { timeout: opts.timeoutMs ?? 10_000 }, registry);
  await gateway.push({ jobName: PUSH_JOB, groupings: { instance: opts.instance ?? os.hostname() } });
}
