/**
 * What `index` and `watch` report as they run, beside their summary: the Prometheus metrics
 * (`--metrics-port`, `--metrics-host`), a push to a Pushgateway at the end (`--pushgateway`), and the
 * log format (`--log-format`). One set-up for both commands.
 */
import { IndexMetrics } from '../core/metrics/indexMetrics';
import { pushMetrics } from '../core/metrics/push';
import { serveMetrics, type MetricsServer } from '../core/metrics/server';
import { observers, type RunObserver } from '../core/run/events';
import { UsageError } from './args';
import { log, logFormat, parseLogFormat, runLogger, setLogFormat } from './log';

export const OBSERVE_OPTIONS = {
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  pushgateway: { type: 'string' },
  'log-format': { type: 'string' },
} as const;

export interface Observing {
  metrics: IndexMetrics | null;
  server: MetricsServer | null;
  observer: RunObserver | undefined;
  /** At the end: the push (when asked; a failure is a warning, not the run's failure), then the server closed. */
  finish(): Promise<void>;
}

/** The scheme, host and port of a URL: what a log may say of a Pushgateway's address (never its credentials). */
const origin = (u: string) => {
  try {
    return new URL(u).origin;
  } catch {
    return '(not a URL)';
  }
};

export async function startObserving(values: { [K in keyof typeof OBSERVE_OPTIONS]?: string }): Promise<Observing> {
  setLogFormat(parseLogFormatOrUsage(values['log-format']));
  const port = values['metrics-port'];
  if (port !== undefined && !/^\d+$/.test(port)) throw new UsageError(`--metrics-port must be a port number (0–65535), not ${port}`);
  if (port !== undefined && Number(port) > 65535) throw new UsageError(`--metrics-port must be a port number (0–65535), not ${port}`);
  if (values['metrics-host'] !== undefined && port === undefined) throw new UsageError('--metrics-host goes with --metrics-port');
  if (values.pushgateway !== undefined && !/^https?:\/\//i.test(values.pushgateway)) throw new UsageError(`--pushgateway must be an http:// or https:// URL, not ${values.pushgateway}`);
  const metrics = port !== undefined || values.pushgateway ? new IndexMetrics() : null;
  let server: MetricsServer | null = null;
  if (metrics && port !== undefined) {
    try {
      server = await serveMetrics(metrics.registry, Number(port), values['metrics-host'] ?? '127.0.0.1');
    } catch (e) {
      throw new Error(`cannot serve metrics on ${values['metrics-host'] ?? '127.0.0.1'}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
    }
    log('info', 'metrics-listening', { url: server.url, port: server.port }, `Metrics at ${server.url}`);
  }
  return {
    metrics,
    server,
    // In text the commands print their own summaries: a plain run has no observer at all.
    observer: observers(metrics ?? undefined, logFormat() === 'json' ? runLogger() : undefined),
    async finish() {
      if (metrics && values.pushgateway) {
        const t = Date.now();
        try {
          await pushMetrics(metrics.registry, values.pushgateway);
          log('info', 'metrics-pushed', { gateway: origin(values.pushgateway), durationMs: Date.now() - t }, null);
        } catch (e) {
          log('warn', 'metrics-push-failed', { gateway: origin(values.pushgateway), message: (e as Error).message }, `warning: could not push the metrics to ${origin(values.pushgateway)}: ${(e as Error).message}`);
        }
      }
      await server?.close();
    },
  };
}

function parseLogFormatOrUsage(v: string | undefined) {
  try {
    return parseLogFormat(v);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
