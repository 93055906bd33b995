import { EnvName } from '@leadrelay/aws';
import { EXPORT_QUEUE_SECONDS } from '@leadrelay/core';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import { DeadLetters } from './alarms';
import type { Data } from './data';

export interface ExportsProps {
  /** The api, which answers small exports inline and starts the export function on large ones. */
  readonly api: lambda.Function;
  /** The export function (functions/export). */
  readonly exporter: lambda.Function;
  readonly data: Data;
}

/**
 * Large lead exports: the api starts the export function asynchronously (Lambda's
 * Event invocation, retried twice), which streams the view into the inbox bucket
 * under exports/ (a lifecycle rule there expires the files after a week, see Data);
 * the api presigns the download. An event that fails all its attempts lands in a
 * dead-letter queue; the export reads as failed once its record's `staleAfter` passes.
 */
export class Exports extends Construct {
  readonly failures: DeadLetters;

  constructor(scope: Construct, id: string, props: ExportsProps) {
    super(scope, id);
    props.api.addEnvironment(EnvName.exportFunctionName, props.exporter.functionArn);
    // The function itself, not its versions (`:*`): it is invoked unqualified.
    props.api.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.exporter.functionArn],
      }),
    );
    props.data.writeExports(props.exporter);
    props.data.presignExportDownloads(props.api);

    this.failures = new DeadLetters(this, 'Failures', {
      holds: 'large lead exports that the export function failed on after its retries',
    });
    props.exporter.configureAsyncInvoke({
      retryAttempts: 2,
      // An export not started within this is read as failed (core EXPORT_QUEUE_SECONDS): no later start.
      maxEventAge: Duration.seconds(EXPORT_QUEUE_SECONDS),
      onFailure: new SqsDestination(this.failures.queue),
    });
  }
}
