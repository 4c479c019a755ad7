// Structured JSON logs (pino). Secrets are redacted by path before a line is written; the paths
// cover credentials wherever our code logs them (request headers, connection fields, WeCom
// access tokens). Code must still never log a secret on purpose: redaction is the safety net.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'secret',
  'token',
  'access_token',
  'proxyPassword',
  '*.secret',
  '*.password',
  '*.proxyPassword',
  '*.proxy_password',
  '*.access_token',
  '*.token',
  '*.corpsecret',
  '*.sessionSecret',
  '*.*.secret',
  '*.*.password',
  '*.*.proxyPassword',
  '*.*.access_token',
];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface CreateLoggerOptions {
  level?: LogLevel;
  /** Where lines go (default stdout). Tests pass a stream to read them back. */
  destination?: DestinationStream;
  name?: string;
}

export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const options: LoggerOptions = {
    name: opts.name ?? 'wecom-sync',
    level: opts.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

export function parseLogLevel(text: string | undefined): LogLevel {
  const v = (text ?? 'info').trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(v)) throw new Error(`LOG_LEVEL "${text}": expected one of ${LOG_LEVELS.join(', ')}`);
  return v as LogLevel;
}
