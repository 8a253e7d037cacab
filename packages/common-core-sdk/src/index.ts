// @local/common-core-sdk: the common core service class, its waiters, and everything of sdk-core
// (authenticators, configuration, errors, pagers, waitUntil), so one import is enough.
export * from './core.ts';
export { CommonCoreV2 } from './generated/common-core-v2.ts';
export * from './waiters.ts';
