export * from './backoff';
export * from './delivery';
export * from './events';
export * from './ports';
export * from './schemas';
export * from './signing';
export * as Webhooks from './subscriptions';
export { ownerOf, webhookView } from './subscriptions';
export * from './targets';
