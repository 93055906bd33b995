export {
  type LocalCloud,
  type LocalCloudOptions,
  type LocalEndpoints,
  localSettings,
  startLocalCloud,
} from './cloud';
export { ensureTable, startDynamoDbLocal } from './dynamodb';
export { startHttpApi, toEvent } from './http-api';
export {
  type CurrentInvocation,
  createLambdaRuntime,
  currentInvocation,
  InvocationLog,
  type InvocationRecord,
  type LambdaRuntime,
  loadHandlers,
} from './lambda';
export { defaultPorts, PortInUseError, resolvePorts } from './ports';
export { encodeS3EventKey, s3rverCredentials, startLocalS3 } from './s3';
export { startSchedulerEmulator } from './scheduler';
export { type Demo, type DemoUser, demoPartners, demoSupplierName, seedDemo } from './seed';
export { startSesEmulator } from './ses';
export { startStreamPoller } from './stream-poller';
