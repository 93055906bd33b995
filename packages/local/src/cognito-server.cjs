// The Cognito emulator started as its bin starts it (createDefaultServer, its public API), but
// with its log as one JSON line per record, written synchronously, instead of its bin's boxes in
// colour. What Cognito would email (an invitation's temporary password, a reset code) is written
// as a line of its own, {"delivery": {"destination", "code"}}, straight to stdout: cognito.ts
// reads those. (Read out of the log's boxes, a reset code sometimes reached the reader only with
// the emulator's next record.) cognito.ts runs this in a child process.
const { writeSync } = require('node:fs');
const { createRequire } = require('node:module');
const { createDefaultServer } = require('cognito-local');

const fromCognitoLocal = createRequire(require.resolve('cognito-local'));
const pino = fromCognitoLocal('pino');
const logger = pino(
  { level: process.env.DEBUG ? 'debug' : 'info' },
  pino.destination({ dest: 1, sync: true }),
);

// The emulator's console "sender" (its own class, used for every email and SMS it would send).
const { ConsoleMessageSender } = fromCognitoLocal('./services/messageDelivery/consoleMessageSender');
ConsoleMessageSender.prototype.sendToConsole = (_ctx, _user, destination, message) => {
  writeSync(1, `${JSON.stringify({ delivery: { destination, code: message.__code } })}\n`);
  return Promise.resolve();
};

// It runs detached (a process group of its own): when the local cloud that started it is killed
// hard, nothing stops it, so it stops itself once its parent is gone (it is then reparented).
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(0);
}, 1000).unref();

createDefaultServer(logger)
  .then((server) => server.start())
  .catch((error) => {
    logger.error({ error: String(error) }, 'cognito-local failed to start');
    process.exit(1);
  });
