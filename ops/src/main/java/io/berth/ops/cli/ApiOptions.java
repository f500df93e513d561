package io.berth.ops.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where the API is and how to prove who we are: on every command that talks to a cluster. */
public final class ApiOptions {

    @Option(names = "--address", paramLabel = "URL", defaultValue = "${env:BERTH_ADDR:-http://127.0.0.1:7700}",
            description = "The Berth API (default: $BERTH_ADDR, else http://127.0.0.1:7700).")
    String address;

    // no default shown in the help: it would print the token
    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:BERTH_TOKEN}",
            description = "The bearer token (default: $BERTH_TOKEN); needed when the API listens beyond loopback.")
    String token;

    @Option(names = "--ca-file", paramLabel = "PEM", defaultValue = "${env:BERTH_CACERT}",
            description = "Also trust the CA certificates in this PEM file, for an https API (default: $BERTH_CACERT).")
    Path caFile;

    /** A client for these options. */
    public ApiClient client() {
        return new ApiClient(address, token, caFile);
    }
}
