package io.berth.ops.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.ImageReference;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code berth image} subcommand shares: the store options, opening and closing the store, and
 * turning failures into one clear line on standard error with exit code 1 (2 for invalid arguments).
 */
abstract class ImageSubcommand implements Callable<Integer> {

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    @Spec
    CommandSpec spec;

    @Mixin
    StoreOptions storeOptions;

    /** Runs the command against the open store; returns the exit code. */
    abstract int run(LocalImageStore store) throws IOException;

    @Override
    public final Integer call() {
        try (LocalImageStore store = storeOptions.open()) {
            return run(store);
        } catch (IllegalArgumentException e) {
            err().println("berth " + spec.qualifiedName(" ").replaceFirst("^berth ", "") + ": " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err().println("berth " + spec.qualifiedName(" ").replaceFirst("^berth ", "") + ": " + e.getMessage());
            return 1;
        }
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    /** The name an image is stored under: {@code busybox} is {@code docker.io/library/busybox:latest}. */
    static String storeName(String name) {
        return ImagePuller.storeName(ImageReference.parse(name));
    }
}
