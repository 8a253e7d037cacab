import { fieldError, type CodeEngineArea } from './area.ts';
import { COMPONENT_KINDS } from './kinds.ts';
import type { SecretFormat } from './secret-formats.ts';

/** 400 unless the project holds a secret of this name and format: a body field refers to it. */
export async function requireSecret(
  area: CodeEngineArea,
  projectId: string,
  name: string,
  format: SecretFormat,
  field: string,
): Promise<void> {
  const secret = await area.resources.get<{ format: SecretFormat }>(projectId, 'secret', name);
  if (!secret)
    throw fieldError(
      400,
      `'${field}' refers to secret '${name}', which does not exist in this project.`,
      field,
    );
  if (secret.entity.format !== format) {
    throw fieldError(
      400,
      `'${field}' must refer to a secret of format '${format}'; '${name}' is '${secret.entity.format}'.`,
      field,
    );
  }
}

/** Whether the component a binding or domain mapping refers to exists now. */
export async function componentExists(
  area: CodeEngineArea,
  projectId: string,
  component: { name: string; resource_type: string },
): Promise<boolean> {
  const kind = COMPONENT_KINDS[component.resource_type];
  return kind !== undefined && (await area.resources.get(projectId, kind, component.name)) !== undefined;
}
