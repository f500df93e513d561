package io.berth.ops.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.image.StoreCheck;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth image check}: the store's fsck; exit code 1 when it finds a problem. */
@Command(name = "check", description = "Verify the store: every blob's digest and size, index and files agreeing; exit 1 on a problem.")
final class CheckCommand extends ImageSubcommand {

    @Option(names = "--json", description = "Print one JSON object: blobs, blobBytes, ingests, images, snapshots, containers, problems.")
    boolean json;

    @Override
    int run(LocalImageStore store) throws IOException {
        StoreCheck check = store.check();
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("blobs", check.blobs());
            o.put("blobBytes", check.blobBytes());
            o.put("ingests", check.ingests());
            o.put("images", check.images());
            o.put("snapshots", check.snapshots());
            o.put("containers", check.containers());
            check.problems().forEach(o.putArray("problems")::add);
            out().println(JSON.writeValueAsString(o));
        } else {
            check.problems().forEach(p -> out().println("problem: " + p));
            out().println((check.ok() ? "ok: " : check.problems().size() + " problem(s): ") + check.blobs() + " blob(s) of "
                    + ProgressDisplay.bytes(check.blobBytes()) + " verified, " + check.images() + " image(s), "
                    + check.snapshots() + " snapshot(s), " + check.containers() + " container rootfs, " + check.ingests()
                    + " ingest(s) to resume");
        }
        return check.ok() ? 0 : 1;
    }
}
