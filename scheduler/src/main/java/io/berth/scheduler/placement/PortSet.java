package io.berth.scheduler.placement;

import java.util.Arrays;

/** A small growable sorted set of ports; cheap for the handful a plan adds to or frees on one node. */
final class PortSet {
    private int[] ports = new int[4];
    private int size;

    int size() {
        return size;
    }

    boolean contains(int port) {
        return Arrays.binarySearch(ports, 0, size, port) >= 0;
    }

    void add(int port) {
        int at = Arrays.binarySearch(ports, 0, size, port);
        if (at >= 0) {
            return;
        }
        at = -at - 1;
        if (size == ports.length) {
            ports = Arrays.copyOf(ports, size * 2);
        }
        System.arraycopy(ports, at, ports, at + 1, size - at);
        ports[at] = port;
        size++;
    }

    void remove(int port) {
        int at = Arrays.binarySearch(ports, 0, size, port);
        if (at >= 0) {
            System.arraycopy(ports, at + 1, ports, at, size - at - 1);
            size--;
        }
    }
}
