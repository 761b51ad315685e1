// Each scraper's metrics as contrib's metadata.yaml declares them: name, unit, description,
// data type, the attributes its points carry and whether it is on by default. The config
// schema's per-metric `enabled` switches and the README are built from this table.

export interface MetricDef {
  description: string;
  unit: string;
  /** sum (cumulative) or gauge */
  type: 'sum' | 'gauge';
  monotonic?: boolean;
  /** int points are written as asInt */
  int?: boolean;
  enabled: boolean;
}

const sum = (description: string, unit: string, monotonic: boolean, int: boolean, enabled = true): MetricDef => ({
  description,
  unit,
  type: 'sum',
  monotonic,
  int,
  enabled,
});
const gauge = (description: string, unit: string, enabled = true): MetricDef => ({
  description,
  unit,
  type: 'gauge',
  enabled,
});

export const SCRAPER_METRICS = {
  cpu: {
    'system.cpu.time': sum('Total seconds each logical CPU spent on each mode.', 's', true, false),
    'system.cpu.utilization': gauge(
      'Difference in system.cpu.time since the last measurement per logical CPU, divided by the elapsed time (value in interval [0,1]).',
      '1',
      false,
    ),
    'system.cpu.physical.count': sum('Number of available physical CPUs.', '{cpu}', false, true, false),
    'system.cpu.logical.count': sum('Number of available logical CPUs.', '{cpu}', false, true, false),
    'system.cpu.frequency': gauge('Current frequency of the CPU core in Hz.', 'Hz', false),
  },
  memory: {
    'system.memory.usage': sum('Bytes of memory in use.', 'By', false, true),
    'system.memory.utilization': gauge('Percentage of memory bytes in use.', '1', false),
    'system.memory.limit': sum('Total bytes of memory available.', 'By', false, true, false),
    'system.linux.memory.available': sum(
      'An estimate of how much memory is available for starting new applications, without swapping. This is a more accurate alternative than system.memory.usage with state=free. (Linux only)',
      'By',
      false,
      true,
      false,
    ),
  },
  load: {
    'system.cpu.load_average.1m': gauge('Average CPU Load over 1 minute.', '{thread}'),
    'system.cpu.load_average.5m': gauge('Average CPU Load over 5 minutes.', '{thread}'),
    'system.cpu.load_average.15m': gauge('Average CPU Load over 15 minutes.', '{thread}'),
  },
  disk: {
    'system.disk.io': sum('Disk bytes transferred.', 'By', true, true),
    'system.disk.operations': sum('Disk operations count.', '{operations}', true, true),
    'system.disk.io_time': sum('Time disk spent activated.', 's', true, false),
    'system.disk.operation_time': sum('Time spent in disk operations.', 's', true, false),
    'system.disk.weighted_io_time': sum('Time disk spent activated multiplied by the queue length.', 's', true, false),
    'system.disk.pending_operations': sum('The queue size of pending I/O operations.', '{operations}', false, true),
    'system.disk.merged': sum(
      'The number of disk reads/writes merged into single physical disk access operations.',
      '{operations}',
      true,
      true,
    ),
  },
  filesystem: {
    'system.filesystem.inodes.usage': sum('FileSystem inodes used.', '{inodes}', false, true),
    'system.filesystem.usage': sum('Filesystem bytes used.', 'By', false, true),
    'system.filesystem.utilization': gauge('Fraction of filesystem bytes used.', '1', false),
  },
  network: {
    'system.network.packets': sum('The number of packets transferred.', '{packets}', true, true),
    'system.network.dropped': sum('The number of packets dropped.', '{packets}', true, true),
    'system.network.errors': sum('The number of errors encountered.', '{errors}', true, true),
    'system.network.io': sum('The number of bytes transmitted and received.', 'By', true, true),
    'system.network.connections': sum('The number of connections.', '{connections}', false, true),
    'system.network.conntrack.count': sum('The count of entries in conntrack table.', '{entries}', false, true, false),
    'system.network.conntrack.max': sum(
      'The limit for entries in the conntrack table.',
      '{entries}',
      false,
      true,
      false,
    ),
  },
  paging: {
    'system.paging.usage': sum('Swap (unix) or pagefile (windows) usage.', 'By', false, true),
    'system.paging.operations': sum('The number of paging operations.', '{operations}', true, true),
    'system.paging.faults': sum('The number of page faults.', '{faults}', true, true),
    'system.paging.utilization': gauge('Swap (unix) or pagefile (windows) utilization.', '1', false),
  },
  processes: {
    'system.processes.created': sum('Total number of created processes.', '{processes}', true, true),
    'system.processes.count': sum('Total number of processes in each state.', '{processes}', false, true),
  },
  process: {
    'process.cpu.time': sum('Total CPU seconds broken down by different states.', 's', true, false),
    'process.cpu.utilization': gauge(
      'Percentage of total CPU time used by the process since last scrape, expressed as a value between 0 and 1. On the first scrape, no data point is emitted for this metric.',
      '1',
      false,
    ),
    'process.memory.usage': sum('The amount of physical memory in use.', 'By', false, true),
    'process.memory.virtual': sum('Virtual memory size.', 'By', false, true),
    'process.memory.utilization': gauge('Percentage of total physical memory that is used by the process.', '1', false),
    'process.disk.io': sum('Disk bytes transferred.', 'By', true, true),
    'process.disk.operations': sum(
      'Number of disk operations performed by the process.',
      '{operations}',
      true,
      true,
      false,
    ),
    'process.paging.faults': sum('Number of page faults the process has made.', '{faults}', true, true, false),
    'process.signals_pending': sum('Number of pending signals for the process.', '{signals}', false, true, false),
    'process.threads': sum('Process threads count.', '{threads}', false, true, false),
    'process.open_file_descriptors': sum(
      'Number of file descriptors in use by the process.',
      '{count}',
      false,
      true,
      false,
    ),
    'process.context_switches': sum(
      'Number of times the process has been context switched.',
      '{count}',
      true,
      true,
      false,
    ),
  },
  system: {
    'system.uptime': gauge('The time the system has been running', 's'),
  },
} satisfies Record<string, Record<string, MetricDef>>;

export type ScraperName = keyof typeof SCRAPER_METRICS;
export const SCRAPER_NAMES = Object.keys(SCRAPER_METRICS) as ScraperName[];

/** The process scraper's resource attributes, all on by default. */
export const PROCESS_RESOURCE_ATTRIBUTES = [
  'process.pid',
  'process.parent_pid',
  'process.executable.name',
  'process.executable.path',
  'process.command',
  'process.command_line',
  'process.owner',
] as const;

/** contrib's scrapers flowtel does not have yet: refused by name with this reason. */
export const NOT_YET = ['nfs', 'hardware', 'hw', 'pressure', 'psi', 'raid', 'edac', 'info', 'groupprocess', 'uptime'];
