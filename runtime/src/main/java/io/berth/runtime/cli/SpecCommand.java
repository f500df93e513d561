package io.berth.runtime.cli;

import io.berth.protocol.oci.runtime.RuntimeSpecs;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spec}: writes a starting config.json (runc's defaults) into a bundle, never over an existing one. */
@Command(name = "spec", description = "Write a default config.json into the bundle directory.")
final class SpecCommand implements Callable<Integer> {
    @Option(names = {"-b", "--bundle"}, paramLabel = "DIR", description = "Where to write config.json (default: the current directory).")
    Path bundle = Path.of("");

    @Option(names = "--rootless", description = "Refused: Berth runs containers as root only.")
    boolean rootless;

    @Override
    public Integer call() throws IOException {
        if (rootless) {
            throw new CliException("--rootless is not supported: Berth's runtime runs as root; drop the option");
        }
        Path config = bundle.toAbsolutePath().normalize().resolve("config.json");
        try {
            // CREATE_NEW: the existence check and the write are one step, so nothing is ever overwritten.
            Files.write(config, RuntimeSpecs.toJson(RuntimeSpecs.defaultSpec()), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
            throw new CliException(config + " already exists: remove it first or pick another --bundle");
        } catch (NoSuchFileException e) {
            throw new CliException(config.getParent() + ": no such directory: create the bundle directory first");
        }
        return 0;
    }
}
