package io.berth.ops.cli;

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

    /** A client for these options. */
    public ApiClient client() {
        return new ApiClient(address, token);
    }
}
