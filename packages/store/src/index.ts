export * from './client';
export * from './cursor';
export * from './keys';
export * from './table';
export * from './table-input';
export * from './tenant-store';
