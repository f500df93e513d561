package io.berth.scheduler.placement;

/** An amount of the resources the engine accounts: CPU in MHz, memory and disk in MiB. */
public record Capacity(int cpuMhz, int memoryMb, int diskMb) {
    public static final Capacity ZERO = new Capacity(0, 0, 0);
}
