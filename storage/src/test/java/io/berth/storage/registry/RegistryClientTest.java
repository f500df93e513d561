package io.berth.storage.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The distribution-spec client against a real {@code docker-registry}, with images pushed by skopeo. */
class RegistryClientTest {

    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(50));

    @TempDir
    static Path shared;
    static Path layout;

    @BeforeAll
    static void buildImage() throws Exception {
        layout = shared.resolve("layout");
        TestImages.umociImage(layout, "v1", "amd64", Map.of("etc/berth-test", "hello from umoci\n".getBytes(StandardCharsets.UTF_8)), shared);
    }

    private static RegistryClient client(CredentialStore credentials) {
        return RegistryClient.builder().credentials(credentials).retry(FAST).build();
    }

    private static ImageReference push(DockerRegistry registry, String repository, String... skopeoOptions) throws Exception {
        ImageReference ref = ImageReference.parse(registry.hostPort() + "/" + repository + ":v1");
        TestImages.skopeoCopy("oci:" + layout + ":v1", "docker://" + ref, skopeoOptions);
        return ref;
    }

    @Test
    void resolvesAndVerifiesOciAndDockerSchema2ManifestsPushedBySkopeo(@TempDir Path dir) throws Exception {
        try (DockerRegistry registry = DockerRegistry.open(dir)) {
            ImageReference oci = push(registry, "test/oci");
            ImageReference docker = push(registry, "test/docker", "--format", "v2s2");
            RegistryClient client = client(CredentialStore.empty());

            Descriptor ociTarget = client.resolve(oci);
            assertThat(ociTarget.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
            byte[] ociBytes = client.fetchManifest(oci, ociTarget);
            assertThat(Digest.sha256(ociBytes)).isEqualTo(ociTarget.digest());
            assertThat(OciJson.manifest(ociBytes, "oci").layers()).extracting(Descriptor::mediaType).containsExactly(MediaTypes.OCI_LAYER_GZIP);

            Descriptor dockerTarget = client.resolve(docker);
            assertThat(dockerTarget.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
            Manifest dockerManifest = OciJson.manifest(client.fetchManifest(docker, dockerTarget), "docker");
            assertThat(dockerManifest.layers()).extracting(Descriptor::mediaType).containsExactly(MediaTypes.DOCKER_LAYER_GZIP);

            // by digest: the same document, and a digest reference is checked against the registry's answer
            assertThat(client.resolve(oci.withDigest(ociTarget.digest())).digest()).isEqualTo(ociTarget.digest());
        }
    }

    @Test
    void downloadsBlobsWholeAndFromAnOffsetWithRange(@TempDir Path dir) throws Exception {
        try (DockerRegistry registry = DockerRegistry.open(dir)) {
            ImageReference ref = push(registry, "test/range");
            RegistryClient client = client(CredentialStore.empty());
            Descriptor target = client.resolve(ref);
            Descriptor layer = OciJson.manifest(client.fetchManifest(ref, target), "m").layers().get(0);
            byte[] expected = Files.readAllBytes(TestImages.blob(layout, layer.digest().toString()));

            try (RegistryClient.BlobStream whole = client.openBlob(ref, layer, 0)) {
                assertThat(whole.offset()).isZero();
                assertThat(whole.body().readAllBytes()).isEqualTo(expected);
            }
            try (RegistryClient.BlobStream tail = client.openBlob(ref, layer, 1000)) {
                assertThat(tail.offset()).isEqualTo(1000);
                assertThat(tail.body().readAllBytes()).isEqualTo(Arrays.copyOfRange(expected, 1000, expected.length));
            }
        }
    }

    @Test
    void unknownTagIsNotFoundWithTheReferenceInTheMessage(@TempDir Path dir) throws Exception {
        try (DockerRegistry registry = DockerRegistry.open(dir)) {
            ImageReference missing = ImageReference.parse(registry.hostPort() + "/no/such:tag");
            assertThatThrownBy(() -> client(CredentialStore.empty()).resolve(missing))
                    .isInstanceOf(RegistryException.NotFound.class)
                    .hasMessageContaining(missing.toString());
        }
    }

    @Test
    void basicAuthPassesWithTheRightPasswordAndGivesAClear401Otherwise(@TempDir Path dir) throws Exception {
        try (DockerRegistry registry = DockerRegistry.basicAuth(dir, "alice", "s3cret")) {
            TestImages.skopeoCopy("oci:" + layout + ":v1", "docker://" + registry.hostPort() + "/private/app:v1", "--dest-creds", "alice:s3cret");
            ImageReference ref = ImageReference.parse(registry.hostPort() + "/private/app:v1");

            RegistryClient good = client(CredentialStore.empty().with(registry.hostPort(), new Credentials("alice", "s3cret")));
            good.ping(registry.hostPort());
            assertThat(good.resolve(ref).mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);

            RegistryClient wrong = client(CredentialStore.empty().with(registry.hostPort(), new Credentials("alice", "wrong")));
            assertThatThrownBy(() -> wrong.ping(registry.hostPort())).isInstanceOf(RegistryException.Unauthorized.class);
            assertThatThrownBy(() -> wrong.resolve(ref))
                    .isInstanceOf(RegistryException.Unauthorized.class)
                    .hasMessageContaining("refused").hasMessageContaining("alice").hasMessageContaining("401");

            assertThatThrownBy(() -> client(CredentialStore.empty()).resolve(ref))
                    .isInstanceOf(RegistryException.Unauthorized.class)
                    .hasMessageContaining("requires authentication").hasMessageContaining("--username");
        }
    }

    @Test
    void credentialsComeFromADockerConfigJson(@TempDir Path dir) throws Exception {
        try (DockerRegistry registry = DockerRegistry.basicAuth(dir, "bob", "pw")) {
            TestImages.skopeoCopy("oci:" + layout + ":v1", "docker://" + registry.hostPort() + "/b/app:v1", "--dest-creds", "bob:pw");
            Path config = dir.resolve("config.json");
            String auth = java.util.Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8));
            Files.writeString(config, "{\"auths\":{\"http://" + registry.hostPort() + "\":{\"auth\":\"" + auth + "\"}}}");
            RegistryClient client = client(CredentialStore.fromDockerConfig(config));
            assertThat(client.resolve(ImageReference.parse(registry.hostPort() + "/b/app:v1")).mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        }
    }

    @Test
    void bearerTokensAreFetchedFromTheRealmWithTheScopeAndWrongCredentialsGiveAClear401(@TempDir Path dir) throws Exception {
        try (TokenServer tokens = TokenServer.start(dir.resolve("tokens"), "carol", "letmein");
             DockerRegistry registry = DockerRegistry.tokenAuth(dir.resolve("registry"), tokens)) {
            ImageReference ref = ImageReference.parse(registry.hostPort() + "/team/app:v1");
            RegistryClient good = client(CredentialStore.empty().with(registry.hostPort(), new Credentials("carol", "letmein")));
            // push with the token flow (pull,push scope), then pull it back
            Descriptor pushed = pushWithClient(good, ref);
            assertThat(good.resolve(ref).digest()).isEqualTo(pushed.digest());
            assertThat(tokens.requests()).anySatisfy(r -> {
                assertThat(r.authorization()).startsWith("Basic ");
                assertThat(r.scopes()).contains("repository:team/app:pull");
            });
            assertThat(tokens.requests()).anySatisfy(r -> assertThat(r.scopes()).contains("repository:team/app:pull,push"));

            // an identity token from a Docker config.json goes through the OAuth2 refresh-token grant
            Path config = dir.resolve("config.json");
            Files.writeString(config, "{\"auths\":{\"" + registry.hostPort() + "\":{\"auth\":\""
                    + java.util.Base64.getEncoder().encodeToString("<token>:".getBytes(StandardCharsets.UTF_8))
                    + "\",\"identitytoken\":\"" + TokenServer.IDENTITY_TOKEN + "\"}}}");
            assertThat(client(CredentialStore.fromDockerConfig(config)).resolve(ref).digest()).isEqualTo(pushed.digest());
            assertThat(tokens.requests()).anySatisfy(r -> {
                assertThat(r.authorization()).isEqualTo("refresh_token " + TokenServer.IDENTITY_TOKEN);
                assertThat(r.scopes()).contains("repository:team/app:pull");
            });

            RegistryClient wrong = client(CredentialStore.empty().with(registry.hostPort(), new Credentials("carol", "nope")));
            assertThatThrownBy(() -> wrong.resolve(ref))
                    .isInstanceOf(RegistryException.Unauthorized.class)
                    .hasMessageContaining("token endpoint").hasMessageContaining("carol").hasMessageContaining("401");
        }
    }

    @Test
    void pushesMonolithicAndChunkedBlobsMountsAcrossRepositoriesAndSkipsExistingOnes(@TempDir Path dir) throws Exception {
        try (DockerRegistry registry = DockerRegistry.open(dir)) {
            RegistryClient client = client(CredentialStore.empty());
            ImageReference first = ImageReference.parse(registry.hostPort() + "/push/one:v1");
            Descriptor manifest = pushWithClient(client, first);

            // the layer is ~1 MiB: a 64 KiB chunk size forces the PATCH path; it must arrive intact
            Manifest m = OciJson.manifest(Files.readAllBytes(TestImages.blob(layout, manifest.digest().toString())), "m");
            Descriptor layer = m.layers().get(0);
            ImageReference chunked = ImageReference.parse(registry.hostPort() + "/push/chunked:v1");
            assertThat(client.pushBlob(chunked, layer, null, 64 * 1024, offset -> source(layer, offset)))
                    .isEqualTo(RegistryClient.UploadResult.UPLOADED);
            try (RegistryClient.BlobStream back = client.openBlob(chunked, layer, 0)) {
                assertThat(Digest.sha256(back.body().readAllBytes())).isEqualTo(layer.digest());
            }

            ImageReference second = ImageReference.parse(registry.hostPort() + "/push/two:v1");
            assertThat(client.pushBlob(second, layer, "push/one", ImagePusher.DEFAULT_CHUNK_SIZE, offset -> source(layer, offset)))
                    .isEqualTo(RegistryClient.UploadResult.MOUNTED);
            assertThat(client.pushBlob(second, layer, null, ImagePusher.DEFAULT_CHUNK_SIZE, offset -> source(layer, offset)))
                    .isEqualTo(RegistryClient.UploadResult.EXISTS);
        }
    }

    @Test
    void blobRedirectsToAnotherHostAreFollowedWithoutCredentials(@TempDir Path dir) throws Exception {
        HttpServer storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        List<String> seenAuthorization = new CopyOnWriteArrayList<>();
        Path registryData = dir.resolve("registry/data");
        storage.createContext("/", exchange -> {
            try (exchange) {
                seenAuthorization.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
                Path file = registryData.resolve(exchange.getRequestURI().getPath().substring(1));
                if (!Files.isRegularFile(file)) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                exchange.sendResponseHeaders(200, Files.size(file));
                try (OutputStream out = exchange.getResponseBody(); InputStream in = Files.newInputStream(file)) {
                    in.transferTo(out);
                }
            }
        });
        storage.start();
        // "localhost" and 127.0.0.1 are different origins, so the redirect leaves the registry's host
        String baseUrl = "http://localhost:" + storage.getAddress().getPort() + "/";
        try (DockerRegistry registry = DockerRegistry.start(dir.resolve("registry"),
                DockerRegistry.htpasswdConfig(dir.resolve("registry"), "dave", "pw") + DockerRegistry.redirectConfig(baseUrl))) {
            TestImages.skopeoCopy("oci:" + layout + ":v1", "docker://" + registry.hostPort() + "/r/app:v1", "--dest-creds", "dave:pw");
            ImageReference ref = ImageReference.parse(registry.hostPort() + "/r/app:v1");
            RegistryClient client = client(CredentialStore.empty().with(registry.hostPort(), new Credentials("dave", "pw")));
            Descriptor layer = OciJson.manifest(client.fetchManifest(ref, client.resolve(ref)), "m").layers().get(0);
            try (RegistryClient.BlobStream blob = client.openBlob(ref, layer, 0)) {
                assertThat(Digest.sha256(blob.body().readAllBytes())).isEqualTo(layer.digest());
            }
            assertThat(seenAuthorization).isNotEmpty().containsOnly("null");
        } finally {
            storage.stop(0);
        }
    }

    @Test
    void httpsWithAGivenCaWorksAndAnUntrustedCertificateIsRefused(@TempDir Path dir) throws Exception {
        Certificates.ServerCertificate tls = Certificates.selfSigned(dir.resolve("tls"), "127.0.0.1");
        try (DockerRegistry registry = DockerRegistry.start(dir.resolve("registry"),
                "  tls:\n    certificate: " + tls.certificatePem() + "\n    key: " + tls.keyPem() + "\n")) {
            ImageReference ref = ImageReference.parse(registry.hostPort() + "/tls/app:v1");
            RegistryClient trusting = RegistryClient.builder().retry(FAST)
                    .host(new RegistryHost(registry.hostPort(), false, tls.certificatePem(), List.of())).build();
            Descriptor pushed = pushWithClient(trusting, ref);
            assertThat(trusting.resolve(ref).digest()).isEqualTo(pushed.digest());

            assertThatThrownBy(() -> client(CredentialStore.empty()).resolve(ref))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("TLS handshake").hasMessageContaining("--ca-file");
        }
    }

    @Test
    void plainHttpIsOnlyForLoopbackOrInsecureRegistries() {
        assertThat(RegistryHost.defaults("127.0.0.1:5000").allowsPlainHttp("127.0.0.1:5000")).isTrue();
        assertThat(RegistryHost.defaults("localhost:5000").allowsPlainHttp("localhost:5000")).isTrue();
        assertThat(RegistryHost.defaults("[::1]:5000").allowsPlainHttp("[::1]:5000")).isTrue();
        assertThat(RegistryHost.defaults("registry.example.com").allowsPlainHttp("registry.example.com")).isFalse();
        assertThat(RegistryHost.defaults("10.0.0.5:5000").allowsPlainHttp("10.0.0.5:5000")).isFalse();
        assertThat(new RegistryHost("10.0.0.5:5000", true, null, List.of()).allowsPlainHttp("10.0.0.5:5000")).isTrue();
        // a mirror given as http:// for a registry that allows no plain HTTP is refused outright
        RegistryClient client = RegistryClient.builder().retry(FAST)
                .host(new RegistryHost("registry.example.com", false, null, List.of("http://mirror.example.com"))).build();
        assertThatThrownBy(() -> client.resolve(ImageReference.parse("registry.example.com/a:b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refusing plain HTTP");
    }

    /** Pushes the layout's v1 image with the client alone (blobs, then manifest) and returns its descriptor. */
    static Descriptor pushWithClient(RegistryClient client, ImageReference ref) throws Exception {
        String index = Files.readString(layout.resolve("index.json"));
        Descriptor manifest = OciJson.read(index.getBytes(StandardCharsets.UTF_8), io.berth.protocol.oci.image.ImageIndex.class, "index.json")
                .manifests().stream().filter(d -> "v1".equals(d.annotations().get(Descriptor.REF_NAME))).findFirst().orElseThrow();
        byte[] bytes = Files.readAllBytes(TestImages.blob(layout, manifest.digest().toString()));
        Manifest m = OciJson.manifest(bytes, "m");
        for (Descriptor blob : List.of(m.config(), m.layers().get(0))) {
            client.pushBlob(ref, blob, null, ImagePusher.DEFAULT_CHUNK_SIZE, offset -> source(blob, offset));
        }
        assertThat(client.putManifest(ref, manifest.mediaType(), bytes)).isEqualTo(manifest.digest());
        return manifest;
    }

    private static InputStream source(Descriptor blob, long offset) throws java.io.IOException {
        InputStream in = Files.newInputStream(TestImages.blob(layout, blob.digest().toString()));
        in.skipNBytes(offset);
        return in;
    }
}
