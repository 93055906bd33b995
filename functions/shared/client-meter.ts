import type { FunctionName } from '../registry';

/**
 * What one AWS SDK call of a handler cost, for the cost bench (test/bench/cost.ts): the
 * service and command, and DynamoDB's consumed capacity (table and every index).
 */
export interface MeteredCall {
  fn: FunctionName;
  /** The SDK's service id: `DynamoDB`, `SESv2`, `Scheduler`, `S3`, `Lambda`… */
  service: string;
  /** The SDK's command name: `PutItemCommand`, `SendEmailCommand`… */
  command: string;
  /** DynamoDB only: the units DynamoDB reports, summed over the table and its indexes. */
  capacityUnits: number;
  /**
   * The call failed (a condition not met, a throttle): DynamoDB bills a failed conditional
   * write too, but answers no consumed capacity with the error, so it is counted apart.
   */
  failed: boolean;
}

type Meter = (call: MeteredCall) => void;

let meter: Meter | undefined;

/**
 * Installs the process's client meter. It takes effect on clients built after it (the
 * handlers build theirs when their module loads), so the bench installs it before it
 * starts the local cloud; in Lambda nothing installs one and no client is touched.
 */
export function installClientMeter(next: Meter | undefined): void {
  meter = next;
}

interface MiddlewareClient {
  config: { serviceId?: string };
  middlewareStack: {
    add(
      middleware: (
        next: (args: { input: object }) => Promise<{ output: object }>,
        context: { commandName?: string },
      ) => (args: { input: object }) => Promise<{ output: object }>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

type Capacity = { CapacityUnits?: number };

/**
 * With a meter installed, every call of `client` asks DynamoDB for its consumed capacity
 * per index (`INDEXES`: on AWS `TOTAL` includes the indexes too, but DynamoDB Local's leaves
 * them out) and reports each call to the meter, named by `fn`. Without one, the client is
 * handed back untouched.
 */
export function metered<Client>(fn: FunctionName, client: Client): Client {
  const current = meter;
  const target = client as unknown as Partial<MiddlewareClient>;
  if (!current || !target.middlewareStack) return client;
  const service = target.config?.serviceId ?? 'unknown';
  target.middlewareStack.add(
    (next, context) => async (args) => {
      if (service === 'DynamoDB') {
        (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'INDEXES';
      }
      const command = context.commandName ?? 'unknown';
      let result: { output: object };
      try {
        result = await next(args);
      } catch (error) {
        current({ fn, service, command, capacityUnits: 0, failed: true });
        throw error;
      }
      const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      current({
        fn,
        service,
        command,
        capacityUnits: [consumed ?? []].flat().reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0),
        failed: false,
      });
      return result;
    },
    { step: 'initialize', name: 'leadRelayClientMeter' },
  );
  return client;
}
