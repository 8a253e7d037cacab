import { BaseService, type RequestParameters, type UserOptions } from '../../src/index.ts';

/** A minimal service class, as generated code would write one, exposing `createRequest`. */
export class TestService extends BaseService {
  constructor(options: UserOptions) {
    super(options);
  }

  call<T = any>(parameters: RequestParameters) {
    return this.createRequest<T>(parameters);
  }

  get(url: string, extra: Partial<RequestParameters['options']> = {}) {
    return this.createRequest({ options: { url, method: 'GET', ...extra } });
  }

  configure(serviceName: string) {
    this.configureService(serviceName);
  }
}
