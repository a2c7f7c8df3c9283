#!/usr/bin/env node
/**
 * chokepoint CLI: the same app factory and services as the server.
 *   chokepoint migrate                 apply migrations to DATABASE_URL
 *   chokepoint openapi [file]          write the OpenAPI document (default openapi/openapi.json)
 *   chokepoint keys create --role R --name N [--expires ISO]   create an API key (printed once)
 *   chokepoint keys list | keys revoke <id>                    list (no secrets) or revoke API keys
 *   chokepoint audit verify | audit seal                       verify the audit log (exit 1 if broken) or seal it now
 *   chokepoint licences import <file.csv> | licences list        record export licences (fail closed), list balances
 *   chokepoint lists import <file|dir|url> | lists show        import a newer official list (fail closed)
 *   chokepoint screen <shipment.json|-> [--key K]              screen one shipment (stored), exit code by decision
 *   chokepoint serve                                           start the HTTP service
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError } from './config.js';
import { openDatabase } from './store/db.js';
import { generateOpenApi } from './openapi.js';
import { ROLES, type Role } from './services/principal.js';
import { createApiKey, listKeys, revokeKey } from './services/api-keys.js';
import { AppError } from './errors.js';
import { auditCommand, AUDIT_USAGE } from './cli-audit.js';
import { listsCommand } from './cli-lists.js';
import { screenCommand, SCREEN_USAGE } from './cli-screen.js';
import { licencesCommand, LICENCES_USAGE } from './cli-licences.js';

type Command = (args: string[]) => Promise<number>;

/** `--name value` options; anything else is positional. */
function parseFlags(args: string[]): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a.startsWith('--')) {
      const value = args[i + 1];
      if (value === undefined || value.startsWith('--')) throw new Error(`${a} needs a value`);
      flags[a.slice(2)] = value;
      i++;
    } else positional.push(a);
  }
  return { flags, positional };
}

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

const KEYS_USAGE = 'usage: chokepoint keys create --role <submitter|reviewer|auditor|admin> --name <name> [--expires <ISO date-time>] | keys list | keys revoke <id>';

async function keysCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  const { flags, positional } = parseFlags(rest);
  const actor = { keyId: null, label: 'cli' };
  try {
    if (sub === 'create') {
      const role = flags.role;
      const name = flags.name;
      if (!role || !(ROLES as readonly string[]).includes(role) || !name) {
        console.error(KEYS_USAGE);
        return 64;
      }
      const created = await withDatabase(({ db }) => createApiKey(db, { role: role as Role, name, expiresAt: flags.expires ?? null }, actor));
      console.log(`created ${created.role} key ${created.id} (${created.prefix})${created.expiresAt ? `, expires ${created.expiresAt}` : ''}`);
      console.log('key (shown once, store it now):');
      console.log(created.key);
      return 0;
    }
    if (sub === 'list') {
      const keys = await withDatabase(({ db }) => listKeys(db));
      for (const k of keys) {
        const state = k.revokedAt ? `revoked ${k.revokedAt}` : k.expiresAt && Date.parse(k.expiresAt) <= Date.now() ? `expired ${k.expiresAt}` : 'active';
        console.log([k.id, k.prefix, k.role.padEnd(9), state.padEnd(10), k.name].join('  '));
      }
      return 0;
    }
    if (sub === 'revoke' && positional.length === 1) {
      const k = await withDatabase(({ db }) => revokeKey(db, positional[0] as string, actor));
      // Running replicas cache verified keys for up to 10 s.
      console.log(`revoked ${k.id} (${k.prefix}); running servers refuse it within 10 s`);
      return 0;
    }
  } catch (err) {
    if (err instanceof AppError && err.status < 500) {
      console.error(`chokepoint keys: ${err.message}`);
      return 1;
    }
    throw err;
  }
  console.error(KEYS_USAGE);
  return 64;
}

const commands: Record<string, { help: string; run: Command }> = {
  audit: {
    help: AUDIT_USAGE,
    run: auditCommand,
  },
  keys: {
    help: 'create --role R --name N [--expires ISO] | list | revoke <id>: manage API keys',
    run: keysCommand,
  },
  licences: {
    help: LICENCES_USAGE.replace('usage: chokepoint licences ', '') + ': record export licences from a CSV (fail closed), list them with balances',
    run: (args) => licencesCommand(args, loadConfig()),
  },
  lists: {
    help: 'import <file|dir|url> | show: import a newer official list (fail closed), show the active ones',
    run: (args) => listsCommand(args, loadConfig()),
  },
  migrate: {
    help: 'apply database migrations to DATABASE_URL',
    run: async () => {
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
  },
  serve: {
    help: 'start the HTTP service (same as npm start)',
    run: async () => {
      await import('./server.js');
      // The server owns the process from here: it exits on SIGTERM/SIGINT.
      return new Promise<number>(() => {});
    },
  },
  openapi: {
    help: 'write the OpenAPI document [file] (default openapi/openapi.json)',
    run: async (args) => {
      const file = path.resolve(args[0] ?? 'openapi/openapi.json');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, `${JSON.stringify(await generateOpenApi(), null, 2)}\n`);
      console.log(`wrote ${path.relative(process.cwd(), file)}`);
      return 0;
    },
  },
};

export async function runCli(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const cmd = name ? commands[name] : undefined;
  if (!cmd) {
    console.log('usage: chokepoint <command>\n');
    for (const [n, c] of Object.entries(commands)) console.log(`  ${n.padEnd(22)} ${c.help}`);
    return name && name !== 'help' && name !== '--help' ? 64 : 0;
  }
  return cmd.run(rest);
}

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`chokepoint: ${err instanceof ConfigError ? `invalid configuration: ${err.message}` : err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
