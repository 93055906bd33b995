import { Logger } from '@aws-lambda-powertools/logger';

/** One logger per function, named by the function, JSON to CloudWatch (or the local cloud's console). */
export function functionLogger(name: string): Logger {
  return new Logger({ serviceName: 'lead-relay', persistentKeys: { fn: name } });
}
