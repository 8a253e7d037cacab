/**
 * The base software specifications the service ships, as data: runtimes with their language,
 * platform (Spark) and the main packages they include. Where the service's own id of a
 * specification is public, it is kept (`id`); the others get a name-based id (builtin-id.ts).
 */
export interface PackageVersion {
  name: string;
  version: string;
}

export interface BuiltinSoftware {
  name: string;
  id?: string;
  display_name: string;
  description: string;
  language: PackageVersion;
  platform?: PackageVersion;
  packages: [string, string][];
}

const PY311_24_1: [string, string][] = [
  ['ipython', '8.20.0'],
  ['numpy', '1.26.4'],
  ['pandas', '2.1.4'],
  ['scipy', '1.11.4'],
  ['scikit-learn', '1.3.0'],
  ['matplotlib', '3.8.0'],
  ['xgboost', '2.0.3'],
  ['lightgbm', '4.2.0'],
  ['tensorflow', '2.14.1'],
  ['pytorch', '2.1.2'],
];

export const BUILTIN_SOFTWARE: BuiltinSoftware[] = [
  {
    name: 'runtime-24.1-py3.11',
    display_name: 'Runtime 24.1 on Python 3.11',
    description: 'Python 3.11 with the data science and machine learning libraries of Runtime 24.1',
    language: { name: 'python', version: '3.11' },
    packages: PY311_24_1,
  },
  {
    name: 'runtime-25.1-py3.12',
    display_name: 'Runtime 25.1 on Python 3.12',
    description: 'Python 3.12 with the data science and machine learning libraries of Runtime 25.1',
    language: { name: 'python', version: '3.12' },
    packages: [
      ['ipython', '8.31.0'],
      ['numpy', '2.1.3'],
      ['pandas', '2.2.3'],
      ['scipy', '1.14.1'],
      ['scikit-learn', '1.6.1'],
      ['matplotlib', '3.9.2'],
      ['xgboost', '2.1.4'],
      ['lightgbm', '4.6.0'],
      ['tensorflow', '2.18.1'],
      ['pytorch', '2.6.0'],
    ],
  },
  {
    name: 'runtime-24.1-r4.3',
    display_name: 'Runtime 24.1 on R 4.3',
    description: 'R 4.3 with the data science libraries of Runtime 24.1',
    language: { name: 'r', version: '4.3' },
    packages: [
      ['r-base', '4.3.3'],
      ['r-caret', '6.0_94'],
      ['r-dplyr', '1.1.4'],
      ['r-ggplot2', '3.4.4'],
      ['r-randomforest', '4.7_1.1'],
      ['r-tidyr', '1.3.0'],
    ],
  },
  {
    name: 'spark-mllib_3.4',
    display_name: 'Spark 3.4 & Python 3.11',
    description: 'Spark 3.4 with Python 3.11 and MLlib',
    language: { name: 'python', version: '3.11' },
    platform: { name: 'spark', version: '3.4' },
    packages: [
      ['pyspark', '3.4.1'],
      ['ipython', '8.20.0'],
      ['numpy', '1.26.4'],
      ['pandas', '2.1.4'],
      ['scikit-learn', '1.3.0'],
    ],
  },
  {
    name: 'spark-mllib_3.3',
    id: 'd11f2434-4fc7-58b7-8a62-755da64fdaf8',
    display_name: 'Spark 3.3 & Python 3.10',
    description: 'Spark 3.3 with Python 3.10 and MLlib',
    language: { name: 'python', version: '3.10' },
    platform: { name: 'spark', version: '3.3' },
    packages: [
      ['pyspark', '3.3.2'],
      ['ipython', '8.10.0'],
      ['numpy', '1.23.5'],
      ['pandas', '1.5.3'],
      ['scikit-learn', '1.1.1'],
    ],
  },
  {
    name: 'kernel-spark3.2-py3.9',
    id: 'ad7033ee-794e-58cf-812e-a95f4b64b207',
    display_name: 'Spark 3.2 & Python 3.9',
    description: 'Spark 3.2 notebook kernel with Python 3.9',
    language: { name: 'python', version: '3.9' },
    platform: { name: 'spark', version: '3.2' },
    packages: [
      ['pyspark', '3.2.1'],
      ['ipython', '7.22.0'],
      ['numpy', '1.20.3'],
      ['pandas', '1.3.4'],
    ],
  },
  {
    name: 'kernel-spark3.2-r3.6',
    id: 'db2fe4d6-d641-5d05-9972-73c654c60e0a',
    display_name: 'Spark 3.2 & R 3.6',
    description: 'Spark 3.2 notebook kernel with R 3.6',
    language: { name: 'r', version: '3.6' },
    platform: { name: 'spark', version: '3.2' },
    packages: [
      ['r-base', '3.6.3'],
      ['r-sparklyr', '1.7.5'],
    ],
  },
  {
    name: 'default_py3.8',
    id: 'ab9e1b80-f2ce-592c-a7d2-4f2344f77194',
    display_name: 'Default Python 3.8',
    description: 'Python 3.8 with the default data science libraries',
    language: { name: 'python', version: '3.8' },
    packages: [
      ['ipython', '7.22.0'],
      ['numpy', '1.19.2'],
      ['pandas', '1.2.4'],
      ['scikit-learn', '0.23.2'],
    ],
  },
];
