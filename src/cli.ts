#!/usr/bin/env node
/**
 * chokepoint CLI: the same app factory and services as the server.
 *   chokepoint migrate                 apply migrations to DATABASE_URL
 *   chokepoint openapi [file]          write the OpenAPI document (default openapi/openapi.json)
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, ConfigError } from './config.js';
import { openDatabase } from './store/db.js';
import { generateOpenApi } from './openapi.js';

type Command = (args: string[]) => Promise<number>;

const commands: Record<string, { help: string; run: Command }> = {
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
