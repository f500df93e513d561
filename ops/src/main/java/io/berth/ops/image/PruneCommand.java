package io.berth.ops.image;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.image.Digest;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.image.PruneResult;
import java.io.IOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth image prune}: garbage collection, and eviction down to the quota. */
@Command(name = "prune", description = "Delete content no image, pull or container uses; evict least recently used images over the quota.")
final class PruneCommand extends ImageSubcommand {

    @Option(names = "--json", description = "Print one JSON object: imagesRemoved, blobsRemoved, snapshotsRemoved, ingestsRemoved, bytesFreed.")
    boolean json;

    @Override
    int run(LocalImageStore store) throws IOException {
        PruneResult result = store.prune();
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            result.imagesRemoved().forEach(o.putArray("imagesRemoved")::add);
            result.blobsRemoved().stream().map(Digest::toString).forEach(o.putArray("blobsRemoved")::add);
            result.snapshotsRemoved().stream().map(Digest::toString).forEach(o.putArray("snapshotsRemoved")::add);
            result.ingestsRemoved().forEach(o.putArray("ingestsRemoved")::add);
            o.put("bytesFreed", result.bytesFreed());
            out().println(JSON.writeValueAsString(o));
            return 0;
        }
        out().println("removed " + result.imagesRemoved().size() + " image(s), " + result.blobsRemoved().size() + " blob(s), "
                + result.snapshotsRemoved().size() + " snapshot(s), " + result.ingestsRemoved().size() + " stale ingest(s); freed "
                + ProgressDisplay.bytes(result.bytesFreed()));
        return 0;
    }
}
