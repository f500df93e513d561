package io.berth.ops.image;

import io.berth.storage.image.Image;
import io.berth.storage.image.LocalImageStore;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code berth image import LAYOUT}: every tagged image of an OCI image layout (a directory or a tar). */
@Command(name = "import", description = "Import the tagged images of an OCI image layout (directory or tar).")
final class ImportCommand extends ImageSubcommand {

    @Parameters(paramLabel = "LAYOUT", description = "The oci-layout directory or tar file.")
    Path layout;

    @Option(names = "--repository", paramLabel = "REPOSITORY",
            description = "Name entries whose ref name is only a tag as REPOSITORY:tag, e.g. example.com/demo.")
    String repository;

    @Override
    int run(LocalImageStore store) throws IOException {
        for (Image image : store.importLayout(layout, repository)) {
            out().println("imported " + image.name() + " (" + image.target().digest() + ")");
        }
        return 0;
    }
}
