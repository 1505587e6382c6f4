export * from './errors';
export * from './events';
export * from './methods';
export * from './settings';
export * from './client';
