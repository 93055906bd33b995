/**
 * `npm start`: the local cloud as a command. Reads PORT and LEADRELAY_HOME
 * (default: the current folder), prints where everything is, logs one line per
 * handler invocation, and stops every child process on Ctrl-C or SIGTERM.
 */
import { relative, resolve } from 'node:path';
import { inboxPrefix } from '@leadrelay/core';
import { ensureConsoleBuilt } from '../../console/build';
import { type LocalCloud, localSettings, startLocalCloud } from './cloud';
import { parsePortSetting } from './ports';
import { parseMaxSendRate } from './ses';
import { localTriggers } from './triggers';

const print = (line = '') => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const home = resolve(process.env.LEADRELAY_HOME ?? process.cwd());
  const quiet = process.argv.includes('--quiet');
  const abort = new AbortController();
  let starting: Promise<LocalCloud> | undefined;
  let cloud: LocalCloud | undefined;
  let stopping = false;
  let firstSignalAt = 0;

  const stop = (reason: string, code: number) => {
    if (stopping) {
      // npm, npx and tsx each pass a signal on, so one Ctrl-C or kill can arrive twice within
      // milliseconds; only a later one is the user asking again.
      if (Date.now() - firstSignalAt < 500) return;
      print('Forced stop.');
      cloud?.killNow();
      process.exit(code === 0 ? 130 : code);
    }
    stopping = true;
    firstSignalAt = Date.now();
    print(`\n${reason}: stopping the local cloud… (Ctrl-C again to force)`);
    // Aborting a start kills DynamoDB Local at once; the start then unwinds what it had begun.
    abort.abort();
    const done = starting
      ? starting.then(
          (c) => c.stop(),
          () => undefined,
        )
      : Promise.resolve();
    done.then(
      () => {
        print('Stopped.');
        process.exit(code);
      },
      (error: unknown) => {
        process.stderr.write(`Stopping failed: ${String(error)}\n`);
        cloud?.killNow();
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT', 0));
  process.on('SIGTERM', () => stop('SIGTERM', 0));
  // Whatever ends the process, the Java child must not outlive it.
  process.on('exit', () => cloud?.killNow());
  process.on('uncaughtException', (error) => {
    process.stderr.write(`Uncaught exception: ${error.stack ?? String(error)}\n`);
    if (!cloud) stop('failed to start', 1);
  });
  // On Lambda an unhandled rejection fails that invocation and restarts the runtime; here it is
  // reported and the local cloud keeps serving.
  process.on('unhandledRejection', (reason) => {
    process.stderr.write(
      `Unhandled promise rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`,
    );
  });

  let port: number | undefined;
  let sesMaxSendRate: number | undefined;
  try {
    port = parsePortSetting(process.env.PORT);
    sesMaxSendRate = parseMaxSendRate(process.env.LEADRELAY_SES_MAX_SEND_RATE);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }

  try {
    await ensureConsoleBuilt({ log: print });
  } catch (error) {
    process.stderr.write(
      `The console did not build: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  print(`Starting the Lead Relay local cloud in ${home} …`);
  starting = startLocalCloud({
    home,
    ...(port === undefined ? {} : { port }),
    ...(sesMaxSendRate === undefined ? {} : { sesMaxSendRate }),
    quiet,
    print,
    signal: abort.signal,
  });
  try {
    cloud = await starting;
  } catch (error) {
    if (stopping) return; // Ctrl-C during start: stop() finishes the exit.
    process.stderr.write(
      `\nThe local cloud did not start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }
  if (stopping) return;
  const readySeconds = (Date.now() - performance.timeOrigin) / 1000;
  printBanner(cloud, home, readySeconds);
}

function printBanner(cloud: LocalCloud, home: string, readySeconds: number): void {
  const e = cloud.endpoints;
  const row = (label: string, value: string, note = '') =>
    print(`  ${label.padEnd(13)} ${value}${note ? `   ${note}` : ''}`);
  const fromCwd = relative(process.cwd(), cloud.localDir);
  const localDir = fromCwd.startsWith('..') ? cloud.localDir : fromCwd || '.';
  const supplierId = e.demo?.supplierId ?? '<supplierId>';

  print();
  print(`Lead Relay local cloud — ready in ${readySeconds.toFixed(1)} s`);
  print();
  row('Console', `${e.api}/console/`, '(sign in as one of the people below)');
  row('API', e.api, '(handler: api)');
  row('Invocations', e.invocations, '(?fn=<name>&limit=)');
  row('Mailbox', e.mailbox, '(every email sent, as the inbox shows it)');
  const triggers = localTriggers({ configurationSet: localSettings.configurationSet });
  const streamConsumers = triggers.stream
    .map(({ fn, trigger }) => `${fn} (${trigger.entity} records)`)
    .join(', ');
  row('DynamoDB', e.dynamodb, `table ${e.table}; stream → ${streamConsumers}`);
  const notified = triggers.objectCreated.map(({ fn, prefix }) => `${prefix}<supplierId>/ → ${fn}`);
  row('S3', e.s3, `bucket ${e.bucket}; ${notified.join('; ')}`);
  const onBus = triggers.bus.map(({ fn }) => fn).join(', ');
  row('SES', e.ses, `configuration set ${localSettings.configurationSet}; events → ${onBus}`);
  row(
    'Scheduler',
    e.scheduler,
    `group ${localSettings.scheduleGroup}; → reroute (+ ${triggers.schedules.map((s) => s.name).join(', ')})`,
  );
  row('Cognito', e.cognito.endpoint, `user pool ${e.cognito.userPoolId}, app client ${e.cognito.clientId}`);
  row('Region', e.region, `credentials ${e.credentials.accessKeyId} / ${e.credentials.secretAccessKey}`);
  row('Data', localDir, '(endpoints.json, keys, data; delete the folder to start over)');
  print();
  print('Keys (local only):');
  row('operator', e.operatorKey);
  if (e.demo) {
    row('supplier', e.demo.supplierKey, `Acme Demo Supplier (${e.demo.supplierId})`);
    for (const [name, key] of Object.entries(e.demo.partnerKeys)) row('partner', key, name);
    print();
    print('People (sign in with email and password; local only):');
    for (const user of e.demo.users) {
      row(
        user.of === 'supplier' ? 'supplier' : 'partner',
        `${user.email}  ${user.password}`,
        `admin of ${user.of === 'supplier' ? 'Acme Demo Supplier' : user.of}`,
      );
    }
  }
  for (const warning of cloud.warnings) print(`\n  ⚠ ${warning}`);
  print();
  print('Try:');
  const key = e.demo?.supplierKey ?? e.operatorKey;
  const path = e.demo ? '/v1/partners' : '/health';
  print(`  curl -s ${e.api}${path} -H "Authorization: Bearer ${key}"`);
  print(
    `  AWS_ACCESS_KEY_ID=${e.credentials.accessKeyId} AWS_SECRET_ACCESS_KEY=${e.credentials.secretAccessKey} ` +
      `AWS_REGION=${e.region} \\\n    aws s3 cp leads.csv s3://${e.bucket}/${inboxPrefix}${supplierId}/leads.csv ` +
      `--endpoint-url ${e.s3}`,
  );
  print(`  curl -s ${e.mailbox}`);
  const person = e.demo?.users[0];
  if (person) {
    // The ID token of a sign-in (as the console gets it), then the API with it instead of a key.
    print(
      `  curl -s ${e.cognito.endpoint} -H 'Content-Type: application/x-amz-json-1.1' ` +
        `-H 'X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth' \\\n    -d '${JSON.stringify({
          ClientId: e.cognito.clientId,
          AuthFlow: 'USER_PASSWORD_AUTH',
          AuthParameters: { USERNAME: person.email, PASSWORD: person.password },
        })}'   # → AuthenticationResult.IdToken: curl -H "Authorization: Bearer <IdToken>" ${e.api}/v1/me`,
    );
  }
  print();
  print(`Invocation log (one line per handler run; Ctrl-C stops everything; home ${home}):`);
}

await main();
