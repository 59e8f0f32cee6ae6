export * from './ca-id';
export * from './decide';
export * from './errors';
export * from './events';
export * from './state';
