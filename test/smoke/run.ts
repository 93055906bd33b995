/**
 * `npm run smoke -- --api <url> --operator-key <key>`: the smoke test of a deployment
 * (test/smoke/smoke.ts). Exits 0 when every step passed, 1 when one failed (the last
 * line names it), 2 when the command line is wrong.
 */
import { parseArgs } from 'node:util';
import { defaultLeadOwner, defaultWaitSeconds, runSmoke, type SmokeOptions } from './smoke';

const usage = `usage: npm run smoke -- --api <url> --operator-key <key> [--lead-owner <email>] [--wait-seconds <n>]

  --api           the API's base URL: the stack's ApiUrl output, or "api" in .local/endpoints.json
  --operator-key  the operator key (or set LEADRELAY_OPERATOR_KEY, which keeps it off the command line)
  --lead-owner    who gets the partner's email (default ${defaultLeadOwner}, the SES mailbox
                  simulator: it works in the SES sandbox and touches no real inbox)
  --wait-seconds  how long to await the email's status (default ${defaultWaitSeconds})`;

/** The options from the command line and the environment, or the reason they are wrong. */
function parseSmokeArgs(
  argv: string[],
  env: Record<string, string | undefined>,
): SmokeOptions | { error: string } {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        api: { type: 'string' },
        'operator-key': { type: 'string' },
        'lead-owner': { type: 'string' },
        'wait-seconds': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    return { error: (error as Error).message };
  }
  if (values.help) return { error: '' };
  const api = typeof values.api === 'string' ? values.api : '';
  if (!/^https?:\/\/[^\s/]+/.test(api)) {
    return { error: `--api must be the API's http(s) base URL, got ${JSON.stringify(api || undefined)}` };
  }
  const operatorKey = (values['operator-key'] as string | undefined) ?? env.LEADRELAY_OPERATOR_KEY ?? '';
  if (operatorKey.trim() === '') return { error: '--operator-key (or LEADRELAY_OPERATOR_KEY) is required' };
  const leadOwner = (values['lead-owner'] as string | undefined) ?? defaultLeadOwner;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(leadOwner)) {
    return { error: `--lead-owner must be an email address, got ${JSON.stringify(leadOwner)}` };
  }
  const waitText = (values['wait-seconds'] as string | undefined) ?? String(defaultWaitSeconds);
  const waitSeconds = Number(waitText);
  if (!Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > 3600) {
    return { error: `--wait-seconds must be a whole number from 1 to 3600, got ${JSON.stringify(waitText)}` };
  }
  return { api, operatorKey: operatorKey.trim(), leadOwner, waitSeconds };
}

async function main(): Promise<number> {
  const options = parseSmokeArgs(process.argv.slice(2), process.env);
  if ('error' in options) {
    if (options.error !== '') console.error(`smoke: ${options.error}`);
    console.error(usage);
    return options.error === '' ? 0 : 2;
  }
  const result = await runSmoke(options, (line) => console.log(line));
  return result.ok ? 0 : 1;
}

process.exitCode = await main();
