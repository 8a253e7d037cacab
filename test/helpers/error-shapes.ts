import { expect } from 'vitest';
import type { ErrorFormat } from '../../packages/server/src/platform/errors.ts';

/** Asserts that `body` is an error in the body format the seed documents for its area. */
export function expectErrorShape(format: ErrorFormat, status: number, body: any, context = ''): void {
  const where = `${context} ${JSON.stringify(body)}`.slice(0, 600);
  expect(body, where).toBeTypeOf('object');
  switch (format) {
    case 'projects':
    case 'transactional':
      expect(body.code, where).toBe(String(status));
      expect(typeof body.error, where).toBe('string');
      expect(typeof body.reason, where).toBe('string');
      expect(typeof body.message, where).toBe('string');
      if (format === 'transactional') expect(body.description, where).toMatch(/^\[\d{3}\] /);
      break;
    case 'spaces':
      expect(typeof body.trace, where).toBe('string');
      expect(body.errors?.[0]?.code, where).toMatch(/\S/);
      expect(typeof body.errors[0].message, where).toBe('string');
      expect(Array.isArray(body.errors[0].parameters), where).toBe(true);
      break;
    case 'connections':
    case 'environments':
      expect(typeof body.trace, where).toBe('string');
      expect(body.errors?.[0]?.code, where).toMatch(/\S/);
      expect(typeof body.errors[0].message, where).toBe('string');
      break;
    case 'jobs':
      expect(typeof body.code, where).toBe('string');
      expect(typeof body.message, where).toBe('string');
      break;
    case 'codeengine':
      expect(body.status_code, where).toBe(status);
      expect(typeof body.trace, where).toBe('string');
      expect(body.errors?.[0]?.code, where).toMatch(/\S/);
      expect(typeof body.errors[0].message, where).toBe('string');
      break;
    case 'iam':
      expect(typeof body.errorCode, where).toBe('string');
      expect(typeof body.errorMessage, where).toBe('string');
      break;
  }
}
