import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { installClientMeter, type MeteredCall, metered } from '../../functions/shared/client-meter';
import { localCredentials, localRegion } from '../support/dynamodb-local';
import { testTable } from '../support/store';

/** The cost bench's client meter on DynamoDB Local: what each call of a handler's client consumed. */
describe('client meter', () => {
  const clients: DynamoDBClient[] = [];
  const client = (endpoint: string) => {
    const made = new DynamoDBClient({ endpoint, region: localRegion, credentials: localCredentials });
    clients.push(made);
    return made;
  };

  afterEach(() => installClientMeter(undefined));
  afterAll(() => {
    for (const c of clients) c.destroy();
  });

  it("reports every call with the function's name and the units of the table and each index it writes", async () => {
    const table = await testTable('client-meter');
    const calls: MeteredCall[] = [];
    installClientMeter((call) => calls.push(call));
    const dynamo = metered('email-events', client(table.endpoint));
    const item = (pk: string, indexed: boolean) => ({
      PK: { S: pk },
      SK: { S: 'LEAD' },
      ...(indexed ? { GSI1PK: { S: 'SUP#s#LEADS#0' }, GSI1SK: { S: `2026#${pk}` } } : {}),
      body: { S: 'x'.repeat(1500) },
    });
    await dynamo.send(new PutItemCommand({ TableName: table.tableName, Item: item('LEAD#plain', false) }));
    await dynamo.send(new PutItemCommand({ TableName: table.tableName, Item: item('LEAD#indexed', true) }));
    await expect(
      dynamo.send(
        new PutItemCommand({
          TableName: table.tableName,
          Item: item('LEAD#plain', false),
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      ),
    ).rejects.toThrow();

    expect(calls.map(({ fn, service, command, failed }) => ({ fn, service, command, failed }))).toEqual([
      { fn: 'email-events', service: 'DynamoDB', command: 'PutItemCommand', failed: false },
      { fn: 'email-events', service: 'DynamoDB', command: 'PutItemCommand', failed: false },
      { fn: 'email-events', service: 'DynamoDB', command: 'PutItemCommand', failed: true },
    ]);
    // A 1.5 KB item: 2 units on the table; the same item in one more index (projection ALL) costs 2 more.
    expect(calls[0]?.capacityUnits).toBe(2);
    expect(calls[1]?.capacityUnits).toBe(4);
  });

  it('leaves a client built without a meter untouched', async () => {
    const table = await testTable('client-meter-off');
    const bare = client(table.endpoint);
    const before = bare.middlewareStack.identify().length;
    expect(metered('api', bare)).toBe(bare);
    expect(bare.middlewareStack.identify()).toHaveLength(before);
    const answer = await bare.send(
      new PutItemCommand({ TableName: table.tableName, Item: { PK: { S: 'A' }, SK: { S: 'B' } } }),
    );
    expect(answer.ConsumedCapacity).toBeUndefined();
  });
});
