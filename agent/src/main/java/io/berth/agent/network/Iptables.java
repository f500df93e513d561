package io.berth.agent.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code iptables} (waiting for the xtables lock, as every caller here must) and returns its exit and output. */
final class Iptables {
    private Iptables() {}

    record Result(int exit, String output) {}

    /**
     * Runs {@code iptables -w} with the arguments. A non-zero exit is returned, not thrown; the caller knows
     * which exits are answers ({@code -C} of a missing rule, {@code -S} of a missing chain).
     *
     * @throws NetworkException when iptables cannot be run or does not answer within 30 s
     */
    static Result run(List<String> args) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w"));
        command.addAll(args);
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new NetworkException("iptables " + String.join(" ", args) + ": no answer within 30 s");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            throw new NetworkException("cannot run iptables (install iptables: ops/setup-host): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NetworkException("iptables: interrupted", e);
        }
    }

    /**
     * The arguments of a rule as {@code iptables -S} prints it ({@code -A CHAIN ...}), split as a shell would:
     * a double-quoted word is one argument, and a backslash escapes the character after it.
     */
    static List<String> arguments(String savedRule) {
        List<String> args = new ArrayList<>();
        StringBuilder word = null;
        boolean quoted = false;
        for (int i = 0; i < savedRule.length(); i++) {
            char c = savedRule.charAt(i);
            if (c == '\\' && i + 1 < savedRule.length()) {
                word = word == null ? new StringBuilder() : word;
                word.append(savedRule.charAt(++i));
            } else if (c == '"') {
                word = word == null ? new StringBuilder() : word;
                quoted = !quoted;
            } else if (c == ' ' && !quoted) {
                if (word != null) {
                    args.add(word.toString());
                    word = null;
                }
            } else {
                word = word == null ? new StringBuilder() : word;
                word.append(c);
            }
        }
        if (word != null) {
            args.add(word.toString());
        }
        return args;
    }
}
