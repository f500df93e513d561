package io.berth.scheduler.hollow;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A JVM started from this one's classpath, talking over its standard streams: commands go to its stdin, and the
 * lines it prints that begin with {@value #PREFIX} are its answers (everything it prints, with stderr, also goes
 * to its log file). A child started by {@link #start} exits when its stdin closes (this JVM died), and is
 * SIGKILLed by {@link #kill}, {@link #close} or, failing those, this JVM's shutdown hook.
 *
 * <p>Thread-safe: a reader thread per child collects its lines; any thread may wait on them.
 */
public final class ChildJvm implements AutoCloseable {
    /** What begins every line of the children's line protocol; their logging never does. */
    public static final String PREFIX = "berth> ";

    private static final Set<ChildJvm> LIVE = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ChildJvm::kill), "child-jvm-reaper"));
    }

    private final String name;
    private final Process process;
    private final Path log;
    private final Writer stdin;
    /** The protocol lines no {@link #await} has taken yet, without the prefix, oldest first; guarded by this. */
    private final List<String> pending = new LinkedList<>();
    /** The newest line per first word, without the prefix; guarded by this. */
    private final Map<String, String> latest = new HashMap<>();
    private boolean ended;

    private ChildJvm(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stdin = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    }

    /**
     * Starts {@code mainClass} in a new JVM with this JVM's classpath.
     *
     * @param name     for messages and the log file name
     * @param jvmArgs  options before the class name ({@code -Xmx512m})
     * @param args     the program's arguments
     * @param logDir   where {@code <name>.log} gets everything the child prints
     * @throws UncheckedIOException if the JVM cannot be started
     */
    public static ChildJvm start(String name, Class<?> mainClass, List<String> jvmArgs, List<String> args,
                                 Path logDir) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(mainClass.getName());
        command.addAll(args);
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(name + ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            ChildJvm child = new ChildJvm(name, process, log);
            LIVE.add(child);
            Thread reader = new Thread(child::readOutput, "child-jvm-" + name);
            reader.setDaemon(true);
            reader.start();
            return child;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start JVM " + name + " (" + mainClass.getName() + ")", e);
        }
    }

    private void readOutput() {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8)); Writer out = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
            String line;
            while ((line = in.readLine()) != null) {
                out.write(line);
                out.write('\n');
                if (line.startsWith(PREFIX)) {
                    out.flush();
                    received(line.substring(PREFIX.length()));
                }
            }
        } catch (IOException e) {
            // the child died; what it said is in the log as far as it got
        } finally {
            synchronized (this) {
                ended = true;
                notifyAll();
            }
        }
    }

    private synchronized void received(String line) {
        pending.add(line);
        int space = line.indexOf(' ');
        latest.put(space < 0 ? line : line.substring(0, space), line);
        notifyAll();
    }

    public String name() {
        return name;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return log;
    }

    public boolean alive() {
        return process.isAlive();
    }

    /**
     * Sends one command line to the child's stdin.
     *
     * @throws IllegalStateException if the child has gone
     */
    public synchronized void send(String command) {
        try {
            stdin.write(command);
            stdin.write('\n');
            stdin.flush();
        } catch (IOException e) {
            throw new IllegalStateException("JVM " + name + " does not take commands any more (exited?); see " + log,
                    e);
        }
    }

    /** Takes the oldest line not yet taken that begins with {@code word}. */
    public String await(String word, Duration timeout) {
        return await(l -> l.equals(word) || l.startsWith(word + " "), word, timeout);
    }

    /**
     * Takes the oldest line not yet taken that {@code matches}, waiting for it; other lines stay for later calls.
     *
     * @throws IllegalStateException when the child ends or {@code timeout} passes first, naming its log
     */
    public synchronized String await(Predicate<String> matches, String what, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Iterator<String> it = pending.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (matches.test(line)) {
                    it.remove();
                    return line;
                }
            }
            long left = deadline - System.nanoTime();
            if (ended || left <= 0) {
                throw new IllegalStateException("JVM " + name + (ended ? " ended" : " said nothing in " + timeout)
                        + " before '" + what + "'; its output is in " + log);
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted waiting for '" + what + "' from " + name, e);
            }
        }
    }

    /** The newest line beginning with {@code word}, taken or not; null if none came yet. */
    public synchronized String latest(String word) {
        return latest.get(word);
    }

    /** SIGKILLs the child (no shutdown hooks run in it) and waits until it is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("JVM " + name + " (pid " + pid() + ") survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        LIVE.remove(this);
    }

    @Override
    public void close() {
        kill();
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }

    /**
     * For a child's main: prints one protocol line to stdout at once. Thread-safe.
     */
    public static void say(String line) {
        synchronized (System.out) {
            System.out.println(PREFIX + line);
            System.out.flush();
        }
    }

    /**
     * For a child's main: runs {@code onCommand} for every line on stdin, on a daemon thread, and halts the JVM
     * when stdin closes: the JVM that started it has gone, and no child must outlive it.
     */
    public static void readCommands(Consumer<String> onCommand) {
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                    if (!line.isBlank()) {
                        onCommand.accept(line.strip());
                    }
                }
            } catch (IOException | RuntimeException e) {
                say("error " + e);
            }
            Runtime.getRuntime().halt(0);
        }, "stdin-commands");
        t.setDaemon(true);
        t.start();
    }
}
