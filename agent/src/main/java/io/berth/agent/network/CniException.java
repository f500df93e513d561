package io.berth.agent.network;

/**
 * A CNI plugin failed, or could not be run. Carries the plugin's error as the CNI spec defines it: a
 * numeric {@code code} (1-99 are the spec's, e.g. 7 "invalid network config", 11 "try again later"), a
 * {@code msg} and optional {@code details}; code is -1 when the plugin gave no parseable error (it crashed,
 * timed out or is missing).
 */
public final class CniException extends NetworkException {
    private final String plugin;
    private final String command;
    private final int code;
    private final String pluginMessage;
    private final String details;

    CniException(String plugin, String command, String network, int code, String pluginMessage, String details) {
        super("CNI plugin '" + plugin + "' " + command + " on network '" + network + "' failed"
                + (code >= 0 ? " (code " + code + ")" : "") + ": " + pluginMessage
                + (details == null || details.isBlank() ? "" : " [" + details + "]"));
        this.plugin = plugin;
        this.command = command;
        this.code = code;
        this.pluginMessage = pluginMessage;
        this.details = details;
    }

    /** The plugin's type, e.g. "bridge". */
    public String plugin() {
        return plugin;
    }

    /** ADD, DEL, CHECK or VERSION. */
    public String command() {
        return command;
    }

    /** The CNI error code, or -1 when the plugin reported none. */
    public int code() {
        return code;
    }

    /** The plugin's {@code msg}, or what went wrong running it. */
    public String pluginMessage() {
        return pluginMessage;
    }

    /** The plugin's {@code details}, or null. */
    public String details() {
        return details;
    }
}
