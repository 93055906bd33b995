/**
 * Records which DynamoDB actions each handler calls, for checking the grants of
 * functions/registry.ts against what the code really does (check-table-calls.ts).
 * Load it into the local cloud with NODE_OPTIONS (see README, "Working on it"):
 * it observes the SDK clients, it changes nothing they send.
 *
 * A call is attributed to the handler whose module built the client: handlers
 * build theirs at module scope, so the construction stack names the handler file.
 * Clients built elsewhere (the local cloud's own, a test's) record as `none`.
 */
import { appendFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const out = process.env.LEADRELAY_TABLE_CALLS;
if (!out) throw new Error('record-table-calls: set LEADRELAY_TABLE_CALLS to the file to append to');

const DOCUMENT_COMMANDS = {
  GetCommand: 'GetItem',
  PutCommand: 'PutItem',
  UpdateCommand: 'UpdateItem',
  DeleteCommand: 'DeleteItem',
  QueryCommand: 'Query',
  ScanCommand: 'Scan',
  BatchGetCommand: 'BatchGetItem',
  BatchWriteCommand: 'BatchWriteItem',
  TransactGetCommand: 'TransactGetItems',
};
/** IAM authorizes a transaction part by part. */
const TRANSACTION_PARTS = {
  Put: 'PutItem',
  Update: 'UpdateItem',
  Delete: 'DeleteItem',
  ConditionCheck: 'ConditionCheckItem',
};
const HANDLER = /functions\/([a-z-]+)\/handler\.ts/;

const seen = new Set();
const actionsOf = (command) => {
  const name = command.constructor.name;
  if (name === 'TransactWriteCommand' || name === 'TransactWriteItemsCommand') {
    return (command.input?.TransactItems ?? []).flatMap((part) =>
      Object.keys(part).map((k) => TRANSACTION_PARTS[k] ?? k),
    );
  }
  return [DOCUMENT_COMMANDS[name] ?? name.replace(/Command$/, '')];
};
const record = (fn, command) => {
  const on = command.input?.IndexName ?? 'table';
  for (const action of actionsOf(command)) {
    const line = JSON.stringify({ fn, action, on });
    if (seen.has(line)) continue;
    seen.add(line);
    appendFileSync(out, `${line}\n`);
  }
};
const observe = (cls) => {
  const send = cls.prototype.send;
  cls.prototype.send = function (command, ...rest) {
    record(this.leadRelayFunction ?? 'none', command);
    return send.call(this, command, ...rest);
  };
};

const dynamodb = require('@aws-sdk/client-dynamodb');
const Client = dynamodb.DynamoDBClient;
observe(Client);
dynamodb.DynamoDBClient = class extends Client {
  constructor(...args) {
    super(...args);
    this.leadRelayFunction = HANDLER.exec(new Error().stack ?? '')?.[1];
  }
};
const documents = require('@aws-sdk/lib-dynamodb');
observe(documents.DynamoDBDocumentClient);
const from = documents.DynamoDBDocumentClient.from;
documents.DynamoDBDocumentClient.from = function (client, ...rest) {
  const made = from.call(this, client, ...rest);
  made.leadRelayFunction = client.leadRelayFunction;
  return made;
};
