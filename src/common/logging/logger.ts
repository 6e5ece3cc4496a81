import { LoggerService } from '@nestjs/common';
import pino, { Logger } from 'pino';

/** Paths pino blanks in every log line, wherever a secret could appear. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'headers["mc-api-key"]',
  'headers["x-xsrf-token"]',
  '*.password',
  '*.apiKey',
  '*.token',
  '*.key',
  '*.secret',
  // Cloud-init text often carries passwords and tokens (docs/design.md#user-data); no request body is logged,
  // this catches one that a log call would carry by mistake.
  '*.userData',
  '*.*.userData',
  'password',
  'apiKey',
  'token',
  'userData',
];

/** A request URL fit for a log line: the event-stream token (`?access_token=`) is a credential, so it is masked. */
export function loggableUrl(url: string): string {
  return url.replace(/([?&]access_token=)[^&#]*/gi, '$1[redacted]');
}

export function createLogger(level: string, production: boolean): Logger {
  return pino({
    level,
    base: { service: 'cloudmux-gateway' },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(production || !process.stdout.isTTY
      ? {}
      : {
          transport: {
            target: 'pino-pretty',
            options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,service' },
          },
        }),
  });
}

/** Routes Nest's own logging (module init, exceptions) through pino. */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  /** Nest's own chatter (modules initialised, routes mapped) is debug detail, not operator news. */
  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }
  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }
  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }
  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}

export const LOGGER = Symbol('LOGGER');
