import { createRequire } from 'node:module';
import type winston from 'winston';

/** What the engine logs through: winston's `Logger` fits it. */
export interface Logger {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
  debug(message: string, meta?: Record<string, unknown>): unknown;
}

export interface LoggerOptions {
  /** JSON lines are appended here; without it nothing is logged. */
  logFile?: string;
  level?: string;
}

const require = createRequire(import.meta.url);

/** The logger of a run without `--log-file`: it drops every line. */
const silentLogger: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/**
 * Structured logs: one JSON object per line, `event` naming what happened. Never a secret, never per
 * row. winston is loaded only when there is a file to log to: loading it is ~60 ms of every command's
 * start.
 */
export function createLogger(options: LoggerOptions): Logger {
  if (!options.logFile) return silentLogger;
  const w = require('winston') as typeof winston;
  return w.createLogger({
    level: options.level ?? 'info',
    format: w.format.combine(w.format.timestamp(), w.format.errors({ stack: true }), w.format.json()),
    transports: [new w.transports.File({ filename: options.logFile })],
  });
}

/** Wait until every line is on disk: call before the process exits. */
export async function closeLogger(logger: Logger): Promise<void> {
  if (logger === silentLogger) return;
  const w = logger as winston.Logger;
  const done = new Promise<void>((resolve) => {
    w.on('finish', () => resolve());
    setTimeout(resolve, 2000).unref();
  });
  w.end();
  await done;
}

/** The process's memory now, in MB, for the log line that closes a stage (a large run's operator sees where it went). */
export function memoryFields(): { rssMb: number; heapUsedMb: number; externalMb: number } {
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  // `external` includes the ArrayBuffers (Buffers, the file store's in-memory database).
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external) };
}
