import winston from 'winston';

export type Logger = winston.Logger;

export interface LoggerOptions {
  /** JSON lines are appended here; without it nothing is logged. */
  logFile?: string;
  level?: string;
}

/** Structured logs: one JSON object per line, `event` naming what happened. Never a secret, never per row. */
export function createLogger(options: LoggerOptions): Logger {
  const transports: winston.transport[] = options.logFile
    ? [new winston.transports.File({ filename: options.logFile })]
    : [new winston.transports.Console({ silent: true })];
  return winston.createLogger({
    level: options.level ?? 'info',
    format: winston.format.combine(winston.format.timestamp(), winston.format.errors({ stack: true }), winston.format.json()),
    transports,
  });
}

/** Wait until every line is on disk: call before the process exits. */
export async function closeLogger(logger: Logger): Promise<void> {
  const done = new Promise<void>((resolve) => {
    logger.on('finish', () => resolve());
    setTimeout(resolve, 2000).unref();
  });
  logger.end();
  await done;
}

/** The process's memory now, in MB, for the log line that closes a stage (a large run's operator sees where it went). */
export function memoryFields(): { rssMb: number; heapUsedMb: number; externalMb: number } {
  const m = process.memoryUsage();
  const mb = (bytes: number) => Math.round(bytes / 1048576);
  // `external` includes the ArrayBuffers (Buffers, the file store's in-memory database).
  return { rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed), externalMb: mb(m.external) };
}
