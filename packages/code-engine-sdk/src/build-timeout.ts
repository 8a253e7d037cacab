// `timeout` is a field of builds and build runs (seconds; IBM's parameter name), and the generated
// methods also read it as the per-call request timeout (milliseconds): `createBuild({ timeout: 600 })`
// would cut the request off after 600 ms. Until the generator tells the two apart (see README), these
// three methods send `timeout` in the body only; their request timeout is the service's `timeout` option.
import { CodeEngineV2 } from './generated/code-engine-v2.ts';

const METHODS_WITH_A_TIMEOUT_FIELD = ['createBuild', 'updateBuild', 'createBuildRun'] as const;

for (const name of METHODS_WITH_A_TIMEOUT_FIELD) {
  const generated = CodeEngineV2.prototype[name] as (params: unknown) => Promise<unknown>;
  Object.defineProperty(CodeEngineV2.prototype, name, {
    configurable: true,
    writable: true,
    value: function (this: any, params: unknown) {
      // The generated method on a view of this service whose requests take no per-call timeout.
      const view = Object.create(this, {
        createRequest: {
          value: (request: any) =>
            this.createRequest({ ...request, options: { ...request.options, timeout: undefined } }),
        },
      });
      return generated.call(view, params);
    },
  });
}
