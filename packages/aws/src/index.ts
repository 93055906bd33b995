export * from './config';
export * from './deadlines';
export * from './exports';
export * from './files';
export * from './invoke';
export * from './mail';
export * from './secrets';
export * from './users';
