import {
  type DeliveryDeps,
  enqueueLeadChange,
  type Lane,
  pumpLane,
  subscriptionCache,
} from '@leadrelay/core';
import { leadFromStreamImage } from '@leadrelay/store';
import type { DynamoDBBatchResponse, DynamoDBRecord } from 'aws-lambda';

type Image = Parameters<typeof leadFromStreamImage>[0];

/**
 * Lanes (and records) handled at once: one slow receiver holds up only its own lanes.
 * A receiver may so get up to this many requests of one subscription at once (one per lead).
 */
export const LANES_AT_ONCE = 25;

/** Runs `work` on every item, at most `limit` at a time. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * The webhooks consumer: a batch of table-stream records of leads → deliveries.
 * First every record's deliveries are put (each once: a replay adds none), with
 * the subscriptions read once per owner for the whole batch; then every lane the
 * batch touched is pumped, a few lanes at a time, so the lead whose receiver is
 * slow waits alone. A record that failed (its puts, or the pump of a lane it
 * touched) is reported with every record after it: the stream retries from there,
 * and the retry puts nothing twice and pumps again.
 */
export function webhookBatch(
  deps: DeliveryDeps,
  log: { warn: (message: string, extra: Record<string, unknown>) => void },
) {
  return async (records: readonly DynamoDBRecord[]): Promise<DynamoDBBatchResponse> => {
    const subscriptions = subscriptionCache(deps.webhooks);
    let firstFailed = records.length;
    const lanes = new Map<string, { lane: Lane; record: number }>();
    await eachLimited([...records.keys()], LANES_AT_ONCE, async (i) => {
      const record = records[i];
      try {
        const old = leadFromStreamImage(record?.dynamodb?.OldImage as Image | undefined);
        const lead = leadFromStreamImage(record?.dynamodb?.NewImage as Image | undefined);
        for (const lane of await enqueueLeadChange(deps, subscriptions, old, lead)) {
          const key = `${lane.webhookId}/${lane.lane}`;
          const seen = lanes.get(key);
          if (!seen || seen.record > i) lanes.set(key, { lane, record: i });
        }
      } catch (error) {
        log.warn('record failed', { error: String(error), at: i, of: records.length });
        firstFailed = Math.min(firstFailed, i);
      }
    });
    const pumped = [...lanes.values()].filter(({ record }) => record < firstFailed);
    const cached: DeliveryDeps = {
      ...deps,
      webhookOf: async (owner, id) => (await subscriptions(owner)).find((w) => w.id === id),
    };
    await eachLimited(pumped, LANES_AT_ONCE, async ({ lane, record }) => {
      try {
        await pumpLane(cached, lane);
      } catch (error) {
        log.warn('lane failed', { error: String(error), webhookId: lane.webhookId, leadId: lane.lane });
        firstFailed = Math.min(firstFailed, record);
      }
    });
    return {
      batchItemFailures: records
        .slice(firstFailed)
        .map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
    };
  };
}
