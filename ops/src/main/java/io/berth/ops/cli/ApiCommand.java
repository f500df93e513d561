package io.berth.ops.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.protocol.job.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command that talks to the API shares: the address and token options, and the way failures end
 * it — one line on standard error (plus one line per field path for invalid input) and the exit code of
 * {@link ExitCodes}.
 */
public abstract class ApiCommand implements Callable<Integer> {

    @Spec
    protected CommandSpec spec;

    @Mixin
    ApiOptions api;

    /** Runs the command; returns its exit code. */
    protected abstract int run(ApiClient client) throws ApiException, ApiUnreachableException, IOException;

    @Override
    public final Integer call() {
        try {
            return run(api.client());
        } catch (ApiException e) {
            err().println(name() + ": " + e.getMessage());
            // a single error is usually the message itself, with its path
            if (!(e.errors().size() == 1 && e.getMessage().equals(e.errors().get(0).toString()))) {
                for (ApiException.FieldError f : e.errors()) {
                    err().println("  " + f);
                }
            }
            return e.exitCode();
        } catch (ApiUnreachableException e) {
            err().println(name() + ": " + e.getMessage());
            return ExitCodes.UNREACHABLE;
        } catch (IllegalArgumentException e) {
            err().println(name() + ": " + e.getMessage());
            return ExitCodes.USAGE;
        } catch (IOException e) {
            err().println(name() + ": " + e.getMessage());
            return ExitCodes.FAILED;
        }
    }

    /** {@code berth job status}, for messages. */
    protected String name() {
        return spec.qualifiedName(" ");
    }

    protected PrintWriter out() {
        return spec.commandLine().getOut();
    }

    protected PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /**
     * A duration option's value, {@code 90s}, {@code 5m}, {@code 1h30m}.
     *
     * @throws IllegalArgumentException naming the option (exit code 2)
     */
    protected static Duration duration(String option, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + ": " + e.getMessage());
        }
    }

    /** Prints {@code json} indented, as {@code --json} output. */
    protected void printJson(JsonNode json) {
        try {
            out().println(ApiClient.JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot print JSON", e);
        }
    }
}
