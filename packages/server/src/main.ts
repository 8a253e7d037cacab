import { buildServer } from './app.ts';
import { loadConfig } from './platform/config.ts';

const config = loadConfig();
const { app, ctx, generatedAdminKey } = await buildServer(config);

if (generatedAdminKey) {
  // Printed once, on the terminal only (never through the logger): it is not stored in clear anywhere.
  process.stdout.write(
    `\nAdministrator ${config.adminUsername} created. API key (shown once, keep it safe):\n  ${generatedAdminKey}\n\n`,
  );
}

const address = await app.listen({ port: config.port, host: config.host });
const where = ctx.store.dialect === 'sqlite' ? `SQLite in ${config.dataDir}` : 'PostgreSQL';
process.stdout.write(`Common core API listening on ${address} (${where}); docs at ${address}/docs\n`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'draining in-flight requests, then closing the database');
    app.close().then(
      () => process.exit(0),
      (err) => {
        app.log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
