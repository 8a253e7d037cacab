// The shared SDK core. In this repository it is the workspace source; the package build
// (tools/codegen/build-sdk.mjs) replaces this module with `export * from '@local/sdk-core'`.
export * from '../../sdk-core/src/index.ts';
