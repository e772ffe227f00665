// Public surface of the API contract.
export * from './contract.js';
export * from './errors.js';
export * from './envelope.js';
export * from './units.js';
export * from './ops/app.js';
export * from './ops/library.js';
export * from './bridge.js';
