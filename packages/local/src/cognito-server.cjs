// The Cognito emulator started as its bin starts it (createDefaultServer, its public API), but
// with its log as one JSON line per record, written synchronously, instead of its bin's boxes in
// colour: cognito.ts reads the invitations out of it. cognito.ts runs this in a child process.
const { createRequire } = require('node:module');
const { createDefaultServer } = require('cognito-local');

const fromCognitoLocal = createRequire(require.resolve('cognito-local'));
const pino = fromCognitoLocal('pino');
const logger = pino(
  { level: process.env.DEBUG ? 'debug' : 'info' },
  pino.destination({ dest: 1, sync: true }),
);

createDefaultServer(logger)
  .then((server) => server.start())
  .catch((error) => {
    logger.error({ error: String(error) }, 'cognito-local failed to start');
    process.exit(1);
  });
