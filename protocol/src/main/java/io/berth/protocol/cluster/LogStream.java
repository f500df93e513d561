package io.berth.protocol.cluster;

/** Which output of a task. */
public enum LogStream { STDOUT, STDERR }
