import { parseArgs } from 'node:util';
import { loadConfig } from './platform/config.ts';
import { openStore } from './store/db.ts';
import { migrateToLatest } from './store/migrations.ts';
import { UserDirectory } from './platform/auth/users.ts';

const USAGE = `Usage: npm run admin -- <command> [options]

Commands (they act on the database the server would use: DATA_DIR or DATABASE_URL):
  create-user --username <email> [--display-name <name>] [--admin]   create a user and print an API key
  create-apikey --username <email> [--name <name>]                    print a new API key for a user
  revoke-apikey --id <ApiKey-...>                                      revoke an API key
  list-users                                                           list users and their keys`;

async function main(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      username: { type: 'string' },
      'display-name': { type: 'string' },
      admin: { type: 'boolean', default: false },
      name: { type: 'string' },
      id: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0];
  if (!command || values.help) {
    console.log(USAGE);
    return command ? 0 : 1;
  }
  const config = loadConfig();
  const store = openStore(config);
  try {
    await migrateToLatest(store.db, store.dialect === 'postgres' ? config.databaseSchema : undefined);
    const users = new UserDirectory(store);
    const need = (value: string | undefined, flag: string): string => {
      if (!value) throw new Error(`${command} needs --${flag}`);
      return value;
    };
    switch (command) {
      case 'create-user': {
        const user = await users.createUser({
          username: need(values.username, 'username'),
          displayName: values['display-name'],
          isAdmin: values.admin,
        });
        const key = await users.createApiKey(user.id, 'initial');
        console.log(JSON.stringify({ ...user, apikey_id: key.id, apikey: key.apikey }, null, 2));
        return 0;
      }
      case 'create-apikey': {
        const username = need(values.username, 'username');
        const user = await users.findUser({ username });
        if (!user) throw new Error(`no user named ${username}`);
        const key = await users.createApiKey(user.id, values.name ?? 'apikey');
        console.log(JSON.stringify({ apikey_id: key.id, apikey: key.apikey }, null, 2));
        return 0;
      }
      case 'revoke-apikey': {
        const id = need(values.id, 'id');
        if (!(await users.revokeApiKey(id))) throw new Error(`no live API key ${id}`);
        console.log(`revoked ${id} (servers stop accepting its tokens within 2 seconds)`);
        return 0;
      }
      case 'list-users': {
        for (const user of await users.listUsers()) {
          console.log(JSON.stringify({ ...user, apikeys: await users.listApiKeys(user.id) }));
        }
        return 0;
      }
      default:
        console.error(`unknown command ${command}\n\n${USAGE}`);
        return 1;
    }
  } finally {
    await store.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`error: ${err.message}`);
    process.exit(1);
  },
);
