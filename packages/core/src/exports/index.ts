export * from './csv';
export * from './export';
export * from './ports';
