import { parsePeakRssMiB, peakRssMiB } from '../../bench/processMemory';

describe('parsePeakRssMiB', () => {
  it('reads VmHWM in MiB', () => {
    expect(parsePeakRssMiB('Name:\tnode\nVmPeak:\t 999999 kB\nVmHWM:\t  204800 kB\nVmRSS:\t 1024 kB\n')).toBe(200);
  });

  it('is undefined without the line', () => {
    expect(parsePeakRssMiB('Name:\tnode\n')).toBeUndefined();
  });
});

describe('peakRssMiB', () => {
  it('is undefined for a process that does not exist', () => {
    expect(peakRssMiB(2 ** 30)).toBeUndefined();
  });
});
