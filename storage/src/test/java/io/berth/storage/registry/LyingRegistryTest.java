package io.berth.storage.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.LocalImageStore;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A registry that lies (a real one never does, so this one is a small fake): each lie gives a clear error and
 * leaves nothing in the store, neither a blob, nor an ingest, nor a name.
 */
class LyingRegistryTest {

    private static final RetryPolicy FAST = new RetryPolicy(3, Duration.ofMillis(5), Duration.ofMillis(20));

    /** What the fake registry gets wrong. */
    enum Lie { NONE, STALL, FLAKY, LAYER_TYPE, MANIFEST_DIGEST, MANIFEST_SIZE, MANIFEST_TYPE, MANIFEST_TYPE_UNKNOWN, BLOB_DIGEST, BLOB_SIZE, BLOB_TOO_LONG, BLOB_TRUNCATED }

    private static HttpServer server;
    private static volatile Lie lie = Lie.NONE;
    private static final List<String> accepts = new CopyOnWriteArrayList<>();
    private static final List<String> ranges = new CopyOnWriteArrayList<>();
    private static final java.util.concurrent.atomic.AtomicInteger unavailable = new java.util.concurrent.atomic.AtomicInteger();
    private static byte[] config;
    private static byte[] layer;
    private static byte[] manifest;
    /** The same image but for a layer media type no unpacker knows. */
    private static byte[] oddManifest;
    private static Descriptor layerDescriptor;
    /** One client for all tests: it probes the fake (which does not speak TLS) once. */
    private static RegistryClient client;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws IOException {
        byte[] random = new byte[300_000];
        new Random(7).nextBytes(random);
        config = ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\""
                + Digest.sha256(random) + "\"]}}").getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(random);
        }
        layer = gz.toByteArray();
        layerDescriptor = Descriptor.of(MediaTypes.OCI_LAYER_GZIP, Digest.sha256(layer), layer.length);
        manifest = OciJson.write(new io.berth.protocol.oci.image.Manifest(2, MediaTypes.OCI_MANIFEST, null,
                Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length), List.of(layerDescriptor), null, null));
        oddManifest = OciJson.write(new io.berth.protocol.oci.image.Manifest(2, MediaTypes.OCI_MANIFEST, null,
                Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(config), config.length),
                List.of(Descriptor.of("application/vnd.example.unknown", layerDescriptor.digest(), layer.length)), null, null));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v2/", LyingRegistryTest::handle);
        // several threads: a stalled answer must not hold up the next request
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "lying-registry");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        client = RegistryClient.builder().retry(FAST).build();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    private static void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            boolean head = exchange.getRequestMethod().equals("HEAD");
            if (lie == Lie.FLAKY && unavailable.getAndDecrement() > 0) {
                exchange.sendResponseHeaders(503, -1);
            } else if (path.equals("/v2/")) {
                exchange.sendResponseHeaders(200, -1);
            } else if (path.equals("/v2/liar/app/manifests/v1") || path.equals("/v2/liar/app/manifests/" + Digest.sha256(current()))) {
                accepts.add(exchange.getRequestHeaders().getFirst("Accept"));
                byte[] manifest = current();
                byte[] body = switch (lie) {
                    case MANIFEST_DIGEST -> new String(manifest, StandardCharsets.UTF_8).replace("tar+gzip", "tar+gzjp").getBytes(StandardCharsets.UTF_8);
                    case MANIFEST_SIZE -> (new String(manifest, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8);
                    default -> manifest;
                };
                String type = switch (lie) {
                    case MANIFEST_TYPE -> MediaTypes.DOCKER_MANIFEST;
                    case MANIFEST_TYPE_UNKNOWN -> "text/html";
                    default -> MediaTypes.OCI_MANIFEST;
                };
                exchange.getResponseHeaders().set("Content-Type", type);
                exchange.getResponseHeaders().set("Docker-Content-Digest", Digest.sha256(manifest).toString());
                if (head) {
                    exchange.getResponseHeaders().set("Content-Length", String.valueOf(manifest.length));
                    exchange.sendResponseHeaders(200, -1);
                } else {
                    send(exchange, body, body.length);
                }
            } else if (path.equals("/v2/liar/app/blobs/" + Digest.sha256(config))) {
                send(exchange, config, config.length);
            } else if (path.equals("/v2/liar/app/blobs/" + layerDescriptor.digest())) {
                String range = exchange.getRequestHeaders().getFirst("Range");
                ranges.add(String.valueOf(range));
                switch (lie) {
                    case STALL -> {
                        if (range == null) {
                            // send half, then nothing: the client must give up on this connection and resume
                            exchange.sendResponseHeaders(200, layer.length);
                            exchange.getResponseBody().write(layer, 0, layer.length / 2);
                            exchange.getResponseBody().flush();
                            sleep(5000);
                        } else {
                            int start = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
                            exchange.getResponseHeaders().set("Content-Range", "bytes " + start + "-" + (layer.length - 1) + "/" + layer.length);
                            exchange.sendResponseHeaders(206, layer.length - start);
                            exchange.getResponseBody().write(layer, start, layer.length - start);
                        }
                    }
                    case BLOB_DIGEST -> {
                        byte[] other = layer.clone();
                        other[other.length / 2] ^= 1;
                        send(exchange, other, other.length);
                    }
                    case BLOB_SIZE -> {
                        byte[] longer = Arrays.copyOf(layer, layer.length + 10);
                        send(exchange, longer, longer.length);
                    }
                    case BLOB_TOO_LONG -> send(exchange, Arrays.copyOf(layer, layer.length + 10), 0);
                    case BLOB_TRUNCATED -> {
                        // announce the whole blob, send half of it, hang up
                        exchange.sendResponseHeaders(200, layer.length);
                        exchange.getResponseBody().write(layer, 0, layer.length / 2);
                        exchange.getResponseBody().flush();
                        throw new IOException("cut short on purpose");
                    }
                    default -> send(exchange, layer, layer.length);
                }
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static byte[] current() {
        return lie == Lie.LAYER_TYPE ? oddManifest : manifest;
    }

    /** Sends {@code body}; {@code length} 0 means chunked (no Content-Length). */
    private static void send(HttpExchange exchange, byte[] body, long length) throws IOException {
        exchange.sendResponseHeaders(200, length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static ImageReference ref() {
        return ImageReference.parse("127.0.0.1:" + server.getAddress().getPort() + "/liar/app:v1");
    }

    private void assertPullFailsCleanly(Lie what, String... messageParts) throws Exception {
        assertPullFailsCleanly(what, RegistryException.class, messageParts);
    }

    private void assertPullFailsCleanly(Lie what, Class<? extends Exception> type, String... messageParts) throws Exception {
        lie = what;
        try (LocalImageStore store = LocalImageStore.open(dir.resolve(what.name()), ImageStoreOptions.defaults())) {
            ImagePuller puller = new ImagePuller(client, store, 2, FAST);
            var thrown = assertThatThrownBy(() -> puller.pull(ref(), TransferListener.NONE)).isInstanceOf(type);
            for (String part : messageParts) {
                thrown.hasMessageContaining(part);
            }
            assertThat(store.list()).isEmpty();
            assertThat(store.content().ingests()).isEmpty();
            assertThat(store.content().exists(layerDescriptor.digest())).isFalse();
        }
    }

    @Test
    void anHonestFakeRegistryPullsAndAsksForAllFourManifestTypes() throws Exception {
        lie = Lie.NONE;
        accepts.clear();
        try (LocalImageStore store = LocalImageStore.open(dir.resolve("honest"), ImageStoreOptions.defaults())) {
            new ImagePuller(client, store, 2, FAST).pull(ref(), TransferListener.NONE);
            assertThat(store.content().exists(layerDescriptor.digest())).isTrue();
        }
        assertThat(accepts).isNotEmpty().allSatisfy(accept -> assertThat(accept).contains(MediaTypes.OCI_MANIFEST,
                MediaTypes.OCI_INDEX, MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST));
    }

    @Test
    void aLayerOfAMediaTypeThatIsNoLayerIsRefusedBeforeAnyDownload() throws Exception {
        assertPullFailsCleanly(Lie.LAYER_TYPE, io.berth.storage.image.InvalidImageException.class,
                "manifest.layers[0].mediaType 'application/vnd.example.unknown'");
    }

    @Test
    void answersOf503AreRetriedWithBackoffAndGiveUpAfterTheLastAttempt() throws Exception {
        lie = Lie.FLAKY;
        unavailable.set(2);
        try (LocalImageStore store = LocalImageStore.open(dir.resolve("flaky"), ImageStoreOptions.defaults())) {
            new ImagePuller(client, store, 2, FAST).pull(ref(), TransferListener.NONE);
            assertThat(store.list()).hasSize(1);
        }
        unavailable.set(1000);
        try (LocalImageStore store = LocalImageStore.open(dir.resolve("down"), ImageStoreOptions.defaults())) {
            assertThatThrownBy(() -> new ImagePuller(client, store, 2, FAST).pull(ref(), TransferListener.NONE))
                    .isInstanceOf(RegistryException.class).hasMessageContaining("503");
            assertThat(store.list()).isEmpty();
        } finally {
            unavailable.set(0);
        }
    }

    @Test
    void aBodyThatStallsIsAbandonedAndTheDownloadResumesWithRange() throws Exception {
        lie = Lie.STALL;
        ranges.clear();
        RegistryClient impatient = RegistryClient.builder().retry(FAST).stallTimeout(Duration.ofMillis(500)).build();
        try (LocalImageStore store = LocalImageStore.open(dir.resolve("stall"), ImageStoreOptions.defaults())) {
            new ImagePuller(impatient, store, 2, FAST).pull(ref(), TransferListener.NONE);
            assertThat(store.content().exists(layerDescriptor.digest())).isTrue();
        }
        assertThat(ranges).hasSize(2).first().isEqualTo("null");
        assertThat(ranges.get(1)).matches("bytes=[1-9][0-9]*-");
    }

    @Test
    void aManifestWithAnotherDigestIsRefused() throws Exception {
        assertPullFailsCleanly(Lie.MANIFEST_DIGEST, "digest mismatch", "liar/app");
    }

    @Test
    void aManifestOfAnotherSizeIsRefused() throws Exception {
        assertPullFailsCleanly(Lie.MANIFEST_SIZE, "size mismatch");
    }

    @Test
    void aManifestWhoseMediaTypeContradictsItselfIsRefused() throws Exception {
        assertPullFailsCleanly(Lie.MANIFEST_TYPE, "media type mismatch");
        assertPullFailsCleanly(Lie.MANIFEST_TYPE_UNKNOWN, "text/html", "none of the manifest types");
    }

    @Test
    void aLayerWithAnotherDigestIsRefused() throws Exception {
        assertPullFailsCleanly(Lie.BLOB_DIGEST, layerDescriptor.digest().toString(), "does not verify");
    }

    @Test
    void aLayerOfAnotherSizeIsRefused() throws Exception {
        assertPullFailsCleanly(Lie.BLOB_SIZE, "size mismatch", String.valueOf(layer.length));
        assertPullFailsCleanly(Lie.BLOB_TOO_LONG, "sent more than the " + layer.length + " bytes");
    }

    @Test
    void aTruncatedLayerFailsAfterTheRetries() throws Exception {
        assertPullFailsCleanly(Lie.BLOB_TRUNCATED, layerDescriptor.digest().toString(), "failed after 3 attempts");
    }
}
