package io.berth.ops.image;

import io.berth.storage.image.LocalImageStore;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth image export -o PATH NAME...}: writes images as an OCI image layout. */
@Command(name = "export", description = "Export images as an OCI image layout (directory, or tar with --tar).")
final class ExportCommand extends ImageSubcommand {

    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The images to export.")
    List<String> names;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "PATH", description = "The layout directory or tar file to write.")
    Path output;

    @Option(names = "--tar", description = "Write a tar file rather than a directory.")
    boolean tar;

    @Override
    int run(LocalImageStore store) throws IOException {
        store.exportLayout(names.stream().map(ImageSubcommand::storeName).toList(), output, tar);
        out().println("exported " + names.size() + " image(s) to " + output);
        return 0;
    }
}
