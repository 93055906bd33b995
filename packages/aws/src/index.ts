export * from './config';
export * from './deadlines';
export * from './mail';
export * from './secrets';
