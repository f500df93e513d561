package io.berth.protocol.job;

/**
 * What a task reserves on its node. Absent fields default to 100 MHz of CPU, 256 MiB of memory and no disk.
 *
 * @param cpuMhz CPU share in MHz (the node's capacity is cores times clock)
 * @param memoryMb memory limit in MiB
 * @param diskMb scratch disk in MiB
 */
public record Resources(Integer cpuMhz, Integer memoryMb, Integer diskMb) {
    public static final Resources DEFAULT = new Resources(null, null, null);

    public Resources {
        cpuMhz = Copies.or(cpuMhz, 100);
        memoryMb = Copies.or(memoryMb, 256);
        diskMb = Copies.or(diskMb, 0);
    }
}
