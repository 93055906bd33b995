import { afterEach, describe, expect, it } from 'vitest';
import { type FunctionName, type FunctionSpec, functionNames, functionSpecs } from '../../functions/registry';
import { localSettings } from '../../packages/local/src/cloud';
import { localScheduleName, localTriggers } from '../../packages/local/src/triggers';
import { logicalIdOf, referencedIds, type Synthesized, synth } from './synth';

/**
 * The triggers of functions/registry.ts are the one place that says what starts a
 * function. These tests read the event sources back out of the synthesized template
 * and out of the local cloud's wiring, and compare both with the registry: as it is,
 * and after a trigger is moved or changed in it (which a trigger written down again
 * in infra/ or packages/local would not follow).
 */

type Resource = { Type: string; Properties: Record<string, unknown> };

interface TriggerFacts {
  stream: { fn: FunctionName; trigger: unknown }[];
  objectCreated: { fn: FunctionName; prefix: string }[];
  schedule: { fn: FunctionName; expression: string; input: unknown }[];
  bus: { fn: FunctionName; pattern: unknown }[];
}

const rate = (minutes: number) => `rate(${minutes} ${minutes === 1 ? 'minute' : 'minutes'})`;

/** The event sources of the stack's template, by the registry name of the function they start. */
function stackFacts({ stack, template }: Synthesized): TriggerFacts {
  const byId = template.toJSON().Resources as Record<string, Resource>;
  const resources = Object.values(byId);
  const ofType = (type: string) => resources.filter((r) => r.Type === type).map((r) => r.Properties);
  const byLogicalId = new Map(functionNames.map((n) => [logicalIdOf(stack.functions.byName[n]), n]));
  const fnOf = (value: unknown): FunctionName => {
    const fn = byLogicalId.get(referencedIds(value)[0] ?? '');
    if (!fn) throw new Error(`an event source of something not in the registry: ${JSON.stringify(value)}`);
    return fn;
  };

  const stream = ofType('AWS::Lambda::EventSourceMapping').map((m) => {
    const [filter, ...others] = (m.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    const pattern = JSON.parse(filter?.Pattern ?? '{}') as {
      dynamodb: { NewImage: { entity: { S: string[] } } };
    };
    expect(others).toEqual([]);
    expect(pattern).toEqual({ dynamodb: { NewImage: { entity: { S: [expect.any(String)] } } } });
    return {
      fn: fnOf(m.FunctionName),
      trigger: {
        entity: pattern.dynamodb.NewImage.entity.S[0],
        batchSize: m.BatchSize,
        maxBatchingWindowSeconds: m.MaximumBatchingWindowInSeconds,
        retryAttempts: m.MaximumRetryAttempts,
        maxRecordAgeHours: (m.MaximumRecordAgeInSeconds as number) / 3600,
      },
    };
  });
  const objectCreated = ofType('Custom::S3BucketNotifications').flatMap((n) => {
    const configurations = (
      n.NotificationConfiguration as {
        LambdaFunctionConfigurations: {
          Events: string[];
          LambdaFunctionArn: unknown;
          Filter: { Key: { FilterRules: { Name: string; Value: string }[] } };
        }[];
      }
    ).LambdaFunctionConfigurations;
    return configurations.map((c) => {
      expect(c.Events).toEqual(['s3:ObjectCreated:*']);
      expect(c.Filter.Key.FilterRules.map((r) => r.Name)).toEqual(['prefix']);
      return { fn: fnOf(c.LambdaFunctionArn), prefix: c.Filter.Key.FilterRules[0]?.Value ?? '' };
    });
  });
  const schedule = ofType('AWS::Scheduler::Schedule').map((s) => {
    const target = s.Target as { Arn: unknown; Input: string };
    return {
      fn: fnOf(target.Arn),
      expression: s.ScheduleExpression as string,
      input: JSON.parse(target.Input),
    };
  });
  // Rules that start a function (a rule may notify a topic instead: the backups' failures).
  const startsAFunction = (t: { Arn: unknown }) =>
    byId[referencedIds(t.Arn)[0] ?? '']?.Type === 'AWS::Lambda::Function';
  const bus = ofType('AWS::Events::Rule').flatMap((r) =>
    (r.Targets as { Arn: unknown }[])
      .filter(startsAFunction)
      .map((t) => ({ fn: fnOf(t.Arn), pattern: r.EventPattern })),
  );
  return { stream, objectCreated, schedule, bus };
}

/** What the local cloud feeds each function with. */
function localFacts(): TriggerFacts {
  const local = localTriggers({ configurationSet: localSettings.configurationSet });
  for (const s of local.schedules) expect(s.name).toBe(localScheduleName(s.fn));
  return {
    stream: local.stream,
    objectCreated: local.objectCreated,
    schedule: local.schedules.map(({ fn, expression, input }) => ({ fn, expression, input })),
    bus: local.bus,
  };
}

/**
 * The registry's triggers, read straight off each spec (not through the helper the
 * stack and the local cloud use), with `configurationSet` for the name the patterns
 * filter on.
 */
function registryFacts(configurationSet: unknown): TriggerFacts {
  const facts: TriggerFacts = { stream: [], objectCreated: [], schedule: [], bus: [] };
  for (const fn of functionNames) {
    const { stream, objectCreated, schedule, events } = functionSpecs[fn];
    if (stream) facts.stream.push({ fn, trigger: stream });
    if (objectCreated) facts.objectCreated.push({ fn, prefix: objectCreated.prefix });
    if (schedule) facts.schedule.push({ fn, expression: rate(schedule.everyMinutes), input: schedule.input });
    if (events)
      facts.bus.push({ fn, pattern: events.pattern({ configurationSet: configurationSet as string }) });
  }
  return facts;
}

const sorted = (facts: TriggerFacts): TriggerFacts => {
  const byFn = <T extends { fn: string }>(list: T[]) => [...list].sort((a, b) => a.fn.localeCompare(b.fn));
  return {
    stream: byFn(facts.stream),
    objectCreated: byFn(facts.objectCreated),
    schedule: byFn(facts.schedule),
    bus: byFn(facts.bus),
  };
};

/** Synthesizes without bundling and checks both sides against the registry as it is now. */
function expectStackAndLocalCloudToFollowTheRegistry(): TriggerFacts {
  const synthesized = synth({ bundle: false });
  const configurationSetRef = { Ref: logicalIdOf(synthesized.stack.mail.configurationSet) };
  const stack = stackFacts(synthesized);
  expect(sorted(stack)).toEqual(sorted(registryFacts(configurationSetRef)));
  expect(sorted(localFacts())).toEqual(sorted(registryFacts(localSettings.configurationSet)));
  return stack;
}

describe('the triggers of the function registry', () => {
  const saved = { ...functionSpecs };
  const specs = functionSpecs as Record<FunctionName, FunctionSpec>;
  afterEach(() => {
    Object.assign(specs, saved);
  });

  it('are the event sources of the stack and of the local cloud, and there are no others', () => {
    const stack = expectStackAndLocalCloudToFollowTheRegistry();
    // The product as it stands: the stream consumers, the inbox, the two sweeps and the SES events.
    expect(stack.stream.map((s) => s.fn).sort()).toEqual(['aggregate', 'distribute', 'webhooks']);
    expect(stack.objectCreated).toEqual([{ fn: 'ingest', prefix: 'inbox/' }]);
    expect(stack.schedule.map((s) => [s.fn, s.expression]).sort()).toEqual([
      ['reroute', 'rate(5 minutes)'],
      ['upload-sweeper', 'rate(5 minutes)'],
    ]);
    expect(stack.bus.map((b) => b.fn)).toEqual(['email-events']);
  });

  it('are followed by both when one moves or changes in the registry', () => {
    const { stream: _aggregateStream, ...aggregate } = saved.aggregate;
    const distributeStream = saved.distribute.stream;
    if (!distributeStream) throw new Error('distribute has no stream trigger');
    specs.aggregate = aggregate;
    specs.api = { ...saved.api, stream: { ...distributeStream, entity: 'Upload', batchSize: 7 } };
    specs.distribute = { ...saved.distribute, stream: { ...distributeStream, retryAttempts: 2 } };
    specs.ingest = { ...saved.ingest, objectCreated: { prefix: 'dropbox/' } };
    specs.reroute = { ...saved.reroute, schedule: { everyMinutes: 1, input: { kind: 'sweep' } } };
    specs['upload-sweeper'] = {
      ...saved['upload-sweeper'],
      schedule: { everyMinutes: 15, input: { kind: 'sweep', note: 'moved' } },
    };
    specs['email-events'] = {
      ...saved['email-events'],
      events: { pattern: ({ configurationSet }) => ({ source: ['aws.ses'], account: [configurationSet] }) },
    };

    const stack = expectStackAndLocalCloudToFollowTheRegistry();
    expect(stack.stream.map((s) => s.fn).sort()).toEqual(['api', 'distribute', 'webhooks']);
    expect(stack.objectCreated).toEqual([{ fn: 'ingest', prefix: 'dropbox/' }]);
    expect(stack.schedule.map((s) => [s.fn, s.expression]).sort()).toEqual([
      ['reroute', 'rate(1 minute)'],
      ['upload-sweeper', 'rate(15 minutes)'],
    ]);
  });
});
