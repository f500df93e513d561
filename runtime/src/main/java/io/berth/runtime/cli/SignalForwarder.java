package io.berth.runtime.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntConsumer;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * While open, hands the signals a user sends to a foreground {@code run} or {@code exec} on to the container
 * process instead of letting them end the JVM, as runc does. Closing restores the previous handlers.
 */
final class SignalForwarder implements AutoCloseable {
    /** What a terminal or a supervisor sends. QUIT stays with the JVM (thread dumps), as do the signals it reserves. */
    private static final List<String> FORWARDED = List.of("HUP", "INT", "TERM", "USR2", "CONT", "WINCH");

    private final List<Signal> signals = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();

    private SignalForwarder() {}

    /** Starts forwarding; {@code target} receives the signal number on a JVM signal thread and must not block long. */
    static SignalForwarder install(IntConsumer target) {
        SignalForwarder f = new SignalForwarder();
        for (String name : FORWARDED) {
            Signal s = new Signal(name);
            try {
                f.previous.add(Signal.handle(s, sig -> target.accept(sig.getNumber())));
                f.signals.add(s);
            } catch (IllegalArgumentException reservedByTheJvm) {
                // The JVM keeps this one (e.g. under -Xrs); the container then does not get it.
            }
        }
        return f;
    }

    @Override
    public void close() {
        for (int i = 0; i < signals.size(); i++) {
            Signal.handle(signals.get(i), previous.get(i));
        }
    }
}
