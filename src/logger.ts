/**
 * pino options shared by the server and the CLI. Request logs carry method, path (never the
 * query string: it may hold a party name), status and timing; authorization and cookie headers
 * are redacted; bodies are never logged.
 */
import type { FastifyServerOptions } from 'fastify';
import type { Config } from './config.js';

export function loggerOptions(config: Pick<Config, 'logLevel'>, pretty: boolean = process.stdout.isTTY === true): FastifyServerOptions['logger'] {
  if (config.logLevel === 'silent') return false;
  return {
    level: config.logLevel,
    // A person at a terminal reads lines; anything else (a file, a pipe, a log shipper) gets JSON.
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true } } } : {}),
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'authorization', 'key', 'secret'],
      censor: '[redacted]',
    },
    serializers: {
      req(req: { method: string; url: string; id: string }) {
        return { method: req.method, path: (req.url ?? '').split('?')[0], reqId: req.id };
      },
      res(res: { statusCode: number }) {
        return { statusCode: res.statusCode };
      },
    },
  };
}
