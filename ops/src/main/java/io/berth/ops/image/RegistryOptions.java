package io.berth.ops.image;

import io.berth.storage.registry.CredentialStore;
import io.berth.storage.registry.Credentials;
import io.berth.storage.registry.RegistryClient;
import io.berth.storage.registry.RegistryHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** How to reach and authenticate to the registry of a pull or push. */
final class RegistryOptions {

    @Option(names = {"-u", "--username"}, paramLabel = "USER", description = "User name for the registry (else the Docker config.json).")
    String username;

    @Option(names = "--password-stdin", description = "Read the password (or token) from standard input.")
    boolean passwordStdin;

    @Option(names = {"-p", "--password"}, paramLabel = "PASSWORD", arity = "0..1", interactive = true,
            description = "The password; without a value it is asked for (prefer --password-stdin in scripts: a value here shows in ps).")
    String password;

    @Option(names = "--docker-config", paramLabel = "FILE",
            description = "Credentials file (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json).")
    Path dockerConfig;

    @Option(names = "--insecure-registry", paramLabel = "HOST[:PORT]",
            description = "Allow plain HTTP to this registry (loopback registries always may). Repeatable.")
    List<String> insecure = new ArrayList<>();

    @Option(names = "--ca-file", paramLabel = "PEM", description = "Also trust the CA certificates in this PEM file.")
    Path caFile;

    @Option(names = "--mirror", paramLabel = "URL", description = "Try this mirror first when pulling. Repeatable.")
    List<String> mirrors = new ArrayList<>();

    /** A client for {@code registry}, with the credentials and host settings given. */
    RegistryClient client(String registry) throws IOException {
        CredentialStore credentials = CredentialStore.fromDockerConfig(dockerConfig != null ? dockerConfig : CredentialStore.defaultDockerConfig());
        String secret = password;
        if (passwordStdin) {
            if (password != null) {
                throw new IllegalArgumentException("give either --password or --password-stdin, not both");
            }
            secret = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            if (secret == null) {
                throw new IllegalArgumentException("--password-stdin: standard input is empty");
            }
        }
        if (username != null) {
            if (secret == null) {
                throw new IllegalArgumentException("--username needs a password: --password-stdin or --password");
            }
            credentials = credentials.with(registry, new Credentials(username, secret));
        } else if (secret != null) {
            throw new IllegalArgumentException("a password was given without --username");
        }
        RegistryClient.Builder builder = RegistryClient.builder().credentials(credentials);
        for (String host : insecure) {
            if (!host.equals(registry)) {
                builder.host(new RegistryHost(host, true, null, List.of()));
            }
        }
        builder.host(new RegistryHost(registry, insecure.contains(registry), caFile, mirrors));
        return builder.build();
    }
}
