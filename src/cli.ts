#!/usr/bin/env node
/**
 * chokepoint CLI: the same app factory and services as the server.
 *   chokepoint migrate                 apply migrations to DATABASE_URL
 *   chokepoint openapi [file]          write the OpenAPI document (default openapi/openapi.json)
 *   chokepoint keys create --role R --name N [--holder P] [--rate-limit N] [--expires ISO]   create an API key (printed once)
 *   chokepoint keys list | keys revoke <id>                    list (no secrets) or revoke API keys
 *   chokepoint audit verify | audit seal                       verify the audit log (exit 1 if broken) or seal it now
 *   chokepoint licences import <file.csv> | licences list        record export licences (fail closed), list balances
 *   chokepoint lists import <file|dir|url> | lists show        import a newer official list (fail closed)
 *   chokepoint screen <shipment.json|-> [--key K]              screen one shipment (stored), exit code by decision
 *   chokepoint screen <shipments.csv|.ndjson|.json> [--out F]  screen a batch (a .json file holding an array; progress bar, summary), exit code by the strongest decision
 *   chokepoint screen <file> --charset windows-1252            the file is not UTF-8 (a Windows export): read as the API reads that charset
 *   chokepoint serve                                           start the HTTP service
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, loadDotEnv, ConfigError } from './config.js';
import { openDatabase } from './store/db.js';
import { generateOpenApi } from './openapi.js';
import { ROLES, type Role } from './services/principal.js';
import { createApiKey, listKeys, revokeKey } from './services/api-keys.js';
import { AppError } from './errors.js';
import { auditCommand, AUDIT_USAGE } from './cli-audit.js';
import { listsCommand } from './cli-lists.js';
import { screenCommand, SCREEN_USAGE } from './cli-screen.js';
import { assertStorageAvailable, EXIT, isStorageLocked, parseFlags, UsageError } from './cli-args.js';
import { licencesCommand, LICENCES_USAGE } from './cli-licences.js';

type Command = (args: string[]) => Promise<number>;

/** Opens the configured database (migrating it where the server would) for one command. */
async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase(config.storage);
  try {
    if (config.migrateOnStart) await db.migrate();
    return await fn(db);
  } finally {
    await db.close();
  }
}

const KEYS_USAGE =
  'usage: chokepoint keys create --role <submitter|reviewer|auditor|admin> --name <name> [--holder <person>] [--rate-limit <per minute>] [--expires <ISO date-time>] | keys list | keys revoke <id>';

async function keysCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { values: flags, positionals: positional } = parseFlags(rest, {
    role: { type: 'string' },
    name: { type: 'string' },
    holder: { type: 'string' },
    'rate-limit': { type: 'string' },
    expires: { type: 'string' },
  });
  const actor = { keyId: null, label: 'cli' };
  try {
    if (sub === 'create') {
      const { role, name, holder } = flags;
      const rateLimit = flags['rate-limit'];
      if (!role || !(ROLES as readonly string[]).includes(role) || !name || (rateLimit !== undefined && !/^\d+$/.test(rateLimit))) {
        console.error(KEYS_USAGE);
        return EXIT.USAGE;
      }
      const created = await withDatabase(({ db }) =>
        createApiKey(
          db,
          { role: role as Role, name, holder: holder ?? null, rateLimitPerMinute: rateLimit === undefined ? null : Number(rateLimit), expiresAt: flags.expires ?? null },
          actor,
        ),
      );
      // Printed only after the transaction committed and the database closed: the key exists.
      console.log(`created ${created.role} key ${created.id} (${created.prefix})${created.holder ? ` for ${created.holder}` : ''}${created.expiresAt ? `, expires ${created.expiresAt}` : ''}`);
      console.log('key (shown once, store it now):');
      console.log(created.key);
      return EXIT.OK;
    }
    if (sub === 'list') {
      const keys = await withDatabase(({ db }) => listKeys(db));
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? `expired ${k.expiresAt}` : 'active';
        console.log([k.id, k.prefix, k.role.padEnd(9), state.padEnd(10), k.name, k.holder ?? ''].join('  ').trimEnd());
      }
      return EXIT.OK;
    }
    if (sub === 'revoke' && positional.length === 1) {
      const k = await withDatabase(({ db }) => revokeKey(db, positional[0] as string, actor));
      // Running replicas cache verified keys for up to 10 s.
      console.log(`revoked ${k.id} (${k.prefix}); running servers refuse it within 10 s`);
      return EXIT.OK;
    }
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      console.error(`chokepoint keys: ${err.message}`);
      return EXIT.FAILURE;
    }
    throw err;
  }
  console.error(KEYS_USAGE);
  return EXIT.USAGE;
}

/** `storage`: the command opens DATABASE_URL, so it is refused up front when a running server holds the embedded folder. */
const commands: Record<string, { help: string; run: Command; storage?: (args: string[]) => boolean }> = {
  audit: {
    help: AUDIT_USAGE,
    run: auditCommand,
    // audit verify reports its own "could not check" (exit 69) with the reason.
  },
  keys: {
    help: 'create --role R --name N [--holder P] [--rate-limit N] [--expires ISO] | list | revoke <id>: manage API keys',
    run: keysCommand,
    storage: () => true,
  },
  licences: {
    help: LICENCES_USAGE.replace('usage: chokepoint licences ', '') + ': record export licences from a CSV (fail closed), list them with balances',
    run: (args) => licencesCommand(args, loadConfig()),
    storage: () => true,
  },
  lists: {
    help: 'import <file|dir|url> | show: import a newer official list (fail closed), show the active ones',
    run: (args) => listsCommand(args, loadConfig()),
    // The import records an audit event: check before a single file in RULES_DIR changes.
    storage: (args) => args[0] === 'import',
  },
  migrate: {
    storage: () => true,
    help: 'apply database migrations to DATABASE_URL',
    run: async (args) => {
      if (args.length > 0) return usage('migrate', 'takes no arguments');
      const config = loadConfig();
      const db = await openDatabase(config.storage);
      try {
        await db.migrate();
        console.log(`migrations applied (${db.describe})`);
      } finally {
        await db.close();
      }
      return 0;
    },
  },
  screen: {
    help: SCREEN_USAGE,
    run: screenCommand,
    storage: () => true,
  },
  serve: {
    help: 'start the HTTP service (same as npm start)',
    run: async (args) => {
      if (args.length > 0) return usage('serve', 'takes no arguments (configure it with the environment, see .env.example)');
      await import('./server.js');
      // The server owns the process from here: it exits on SIGTERM/SIGINT.
      return new Promise<number>(() => {});
    },
  },
  openapi: {
    help: 'write the OpenAPI document [file] (default openapi/openapi.json)',
    run: async (args) => {
      const { positionals } = parseFlags(args, {});
      if (positionals.length > 1) return usage('openapi', 'takes at most one file');
      const file = path.resolve(positionals[0] ?? 'openapi/openapi.json');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(await generateOpenApi(), null, 2)}\n`);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
      return 0;
    },
  },
};

function usage(name: string, why: string): number {
  console.error(`chokepoint ${name} ${why}\nusage: chokepoint ${name} ${commands[name]?.help ?? ''}`);
  return EXIT.USAGE;
}

export async function runCli(argv: string[]): Promise<number> {
  loadDotEnv();
  const [name, ...rest] = argv;
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    console.log('usage: chokepoint <command>\n');
    for (const [n, c] of Object.entries(commands)) console.log(`  ${n.padEnd(22)} ${c.help}`);
    return name && name !== 'help' && name !== '--help' ? EXIT.USAGE : EXIT.OK;
  }
  // `--help` / `-h` anywhere before a `--`: the command's usage, and nothing run (`serve --help` started the server,
  // `migrate --help` migrated, `openapi --help` wrote a file named "--help").
  const end = rest.indexOf('--');
  if ((end < 0 ? rest : rest.slice(0, end)).some((a) => a === '--help' || a === '-h')) {
    console.log(`usage: chokepoint ${name} ${cmd.help}`);
    return EXIT.OK;
  }
  if (cmd.storage?.(rest)) assertStorageAvailable(loadConfig().storage);
  return cmd.run(rest);
}

/** The exit code and message for an error no command handled itself. */
export function exitFor(err: unknown): { code: number; message: string } {
  if (err instanceof ConfigError) return { code: EXIT.CONFIG, message: `chokepoint: invalid configuration: ${err.message}` };
  if (err instanceof UsageError) return { code: EXIT.USAGE, message: `chokepoint: ${err.message}` };
  if (isStorageLocked(err)) return { code: EXIT.UNAVAILABLE, message: `chokepoint: refused, nothing was done: ${err.message}` };
  return { code: EXIT.FAILURE, message: `chokepoint: ${err instanceof Error ? err.message : String(err)}` };
}

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    const { code, message } = exitFor(err);
    console.error(message);
    process.exit(code);
  },
);
