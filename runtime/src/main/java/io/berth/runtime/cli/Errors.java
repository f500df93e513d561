package io.berth.runtime.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import picocli.CommandLine;

/** Turns any failure into the one line the user reads. */
final class Errors {
    private Errors() {}

    static String oneLine(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException
                || t instanceof UncheckedIOException || t instanceof CommandLine.ExecutionException)
                && t.getCause() != null) {
            t = t.getCause();
        }
        String message;
        if (t instanceof CommandLine.ParameterException || t.getClass().getName().startsWith("io.berth.")) {
            // Berth's own exceptions (the runtime's, cgroups', seccomp's, config.json's) carry a message
            // written for the user.
            message = t.getMessage();
        } else if (t instanceof NoSuchFileException) {
            message = t.getMessage() + ": no such file or directory";
        } else if (t instanceof AccessDeniedException) {
            message = t.getMessage() + ": permission denied";
        } else if (t instanceof IOException) {
            message = t.getMessage() == null ? t.toString() : t.getMessage();
        } else {
            // Not a failure the runtime anticipated: keep the type, it is what a bug report needs.
            message = t.toString();
        }
        return message == null ? t.getClass().getName() : message.replaceAll("\\s*\\R\\s*", "; ").strip();
    }
}
