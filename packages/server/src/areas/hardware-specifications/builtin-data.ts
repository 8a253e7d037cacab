/**
 * The hardware specifications the service ships, as data. Sizes follow the service's published
 * environment sizes (vCPU and GB RAM per size); Spark sizes are one driver and two executors.
 */
export interface CpuMem {
  cpu: { units: string; model?: string };
  mem: { size: string };
}

export interface BuiltinHardware {
  name: string;
  description: string;
  nodes?: CpuMem & {
    gpu?: { num_gpu: number; name: string; gpu_profile?: string; mig_profile?: string };
    num_nodes: number;
  };
  spark?: { num_drivers: number; num_executors: number; driver: CpuMem; executor: CpuMem };
}

const node = (cpu: string, mem: string) => ({ cpu: { units: cpu }, mem: { size: mem }, num_nodes: 1 });
const cpuMem = (cpu: string, mem: string): CpuMem => ({ cpu: { units: cpu }, mem: { size: mem } });

export const BUILTIN_HARDWARE: BuiltinHardware[] = [
  { name: 'XXS', description: '1 vCPU and 4 GB RAM', nodes: node('1', '4Gi') },
  { name: 'XS', description: '2 vCPU and 8 GB RAM', nodes: node('2', '8Gi') },
  { name: 'S', description: '4 vCPU and 16 GB RAM', nodes: node('4', '16Gi') },
  { name: 'M', description: '8 vCPU and 32 GB RAM', nodes: node('8', '32Gi') },
  { name: 'L', description: '16 vCPU and 64 GB RAM', nodes: node('16', '64Gi') },
  { name: 'XL', description: '32 vCPU and 128 GB RAM', nodes: node('32', '128Gi') },
  {
    name: 'V100',
    description: '1 NVIDIA V100 GPU, 5 vCPU and 48 GB RAM',
    nodes: {
      ...node('5', '48Gi'),
      gpu: { num_gpu: 1, name: 'v100', gpu_profile: 'generic', mig_profile: 'N/A' },
    },
  },
  {
    name: 'V100x2',
    description: '2 NVIDIA V100 GPUs, 10 vCPU and 96 GB RAM',
    nodes: {
      ...node('10', '96Gi'),
      gpu: { num_gpu: 2, name: 'v100', gpu_profile: 'generic', mig_profile: 'N/A' },
    },
  },
  {
    name: 'Spark XS',
    description: 'Driver: 1 vCPU and 4 GB RAM; 2 Executors: 1 vCPU and 4 GB RAM each',
    spark: { num_drivers: 1, num_executors: 2, driver: cpuMem('1', '4Gi'), executor: cpuMem('1', '4Gi') },
  },
  {
    name: 'Spark S',
    description: 'Driver: 2 vCPU and 8 GB RAM; 2 Executors: 2 vCPU and 8 GB RAM each',
    spark: { num_drivers: 1, num_executors: 2, driver: cpuMem('2', '8Gi'), executor: cpuMem('2', '8Gi') },
  },
];
