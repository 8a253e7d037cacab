// @local/code-engine-sdk: the Code Engine v2 service class, its waiters, and everything of sdk-core
// (authenticators, configuration, errors, pagers, waitUntil), so one import is enough.
export * from './core.ts';
export { CodeEngineV2 } from './generated/code-engine-v2.ts';
export * from './waiters.ts';
