package io.berth.ops.image;

import io.berth.storage.image.LocalImageStore;
import java.io.IOException;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code berth image rm NAME...}: removes names; their content goes with the next prune. */
@Command(name = "rm", aliases = "remove", description = "Remove images from the local store (content is freed by prune).")
final class RemoveCommand extends ImageSubcommand {

    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The images to remove.")
    List<String> names;

    @Override
    int run(LocalImageStore store) throws IOException {
        int status = 0;
        for (String name : names) {
            String stored = storeName(name);
            if (store.remove(stored)) {
                out().println("removed " + stored);
            } else {
                err().println("berth image rm: no image '" + stored + "' in the store (berth image ls lists them)");
                status = 1;
            }
        }
        return status;
    }
}
