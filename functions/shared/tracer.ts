import { Tracer } from '@aws-lambda-powertools/tracer';
import type { FunctionName } from '../registry';
import { metered } from './client-meter';

/**
 * One function's X-Ray tracer (Powertools). The stack turns on active tracing;
 * `traced(client)` makes every call of an AWS SDK v3 client a subsegment of the
 * invocation's trace. Outside Lambda (the local cloud, tests) Powertools turns
 * tracing off by itself (no AWS_EXECUTION_ENV) and the local cloud also sets
 * POWERTOOLS_TRACE_ENABLED=false: the client is handed back unchanged and no
 * X-Ray daemon is needed. The cost bench's client meter (client-meter.ts) rides on
 * the same wrapping, so every client a handler builds is metered when one is installed.
 */
export function functionTracer(fn: FunctionName) {
  const tracer = new Tracer({ serviceName: fn });
  return {
    tracer,
    traced: <Client>(client: Client): Client => tracer.captureAWSv3Client(metered(fn, client)),
  };
}
