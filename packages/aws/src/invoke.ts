import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';

/**
 * Asynchronous Lambda invocations (InvocationType `Event`): Lambda queues the
 * event, answers 202 and retries a failed run twice. Ingest uses it to continue a
 * long file in a fresh invocation. The endpoint comes from the SDK's own settings
 * (AWS_ENDPOINT_URL_LAMBDA locally).
 */
export class LambdaInvoker {
  constructor(private readonly lambda: LambdaClient) {}

  async invokeAsync(functionName: string, event: unknown): Promise<void> {
    const { StatusCode, FunctionError } = await this.lambda.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(event), 'utf8'),
      }),
    );
    if (StatusCode !== 202 || FunctionError) {
      throw new Error(
        `Lambda did not queue the event for ${functionName} (status ${StatusCode}${FunctionError ? `, ${FunctionError}` : ''})`,
      );
    }
  }
}
