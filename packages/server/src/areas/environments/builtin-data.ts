/**
 * The default environments every project and space has, as data: a hardware and a software
 * specification of the built-in catalogs (by name) and the kernels the notebook tools offer.
 */
export interface BuiltinEnvironment {
  id: string;
  display_name: string;
  description: string;
  sub_type: string;
  hardware: string;
  software: string;
  kernel: { name: string; language: string; version: string; display_name: string };
}

const py = (version: string) => ({
  name: 'python3',
  language: 'python',
  version,
  display_name: `Python ${version}`,
});
const r = (version: string) => ({ name: 'ir', language: 'r', version, display_name: `R ${version}` });

const runtime = (
  id: string,
  software: string,
  runtimeName: string,
  size: string,
  kernel: BuiltinEnvironment['kernel'],
): BuiltinEnvironment => ({
  id,
  display_name: `${runtimeName} ${size}`,
  description: `${runtimeName}, hardware size ${size}`,
  sub_type: 'notebook',
  hardware: size,
  software,
  kernel,
});

export const BUILTIN_ENVIRONMENTS: BuiltinEnvironment[] = [
  runtime('runtime-24.1-py3.11-xxs', 'runtime-24.1-py3.11', 'Runtime 24.1 on Python 3.11', 'XXS', py('3.11')),
  runtime('runtime-24.1-py3.11-xs', 'runtime-24.1-py3.11', 'Runtime 24.1 on Python 3.11', 'XS', py('3.11')),
  runtime('runtime-24.1-py3.11-s', 'runtime-24.1-py3.11', 'Runtime 24.1 on Python 3.11', 'S', py('3.11')),
  runtime('runtime-24.1-py3.11-m', 'runtime-24.1-py3.11', 'Runtime 24.1 on Python 3.11', 'M', py('3.11')),
  runtime('runtime-25.1-py3.12-xs', 'runtime-25.1-py3.12', 'Runtime 25.1 on Python 3.12', 'XS', py('3.12')),
  runtime('runtime-25.1-py3.12-s', 'runtime-25.1-py3.12', 'Runtime 25.1 on Python 3.12', 'S', py('3.12')),
  runtime('runtime-24.1-r4.3-s', 'runtime-24.1-r4.3', 'Runtime 24.1 on R 4.3', 'S', r('4.3')),
  runtime(
    'runtime-24.1-py3.11-v100',
    'runtime-24.1-py3.11',
    'GPU Runtime 24.1 on Python 3.11',
    'V100',
    py('3.11'),
  ),
  {
    id: 'spark34-py311',
    display_name: 'Default Spark 3.4 & Python 3.11',
    description: 'Spark 3.4 with Python 3.11: 1 driver and 2 executors',
    sub_type: 'notebook',
    hardware: 'Spark XS',
    software: 'spark-mllib_3.4',
    kernel: py('3.11'),
  },
  {
    id: 'spark33-py310',
    display_name: 'Default Spark 3.3 & Python 3.10',
    description: 'Spark 3.3 with Python 3.10: 1 driver and 2 executors',
    sub_type: 'notebook',
    hardware: 'Spark XS',
    software: 'spark-mllib_3.3',
    kernel: py('3.10'),
  },
];
