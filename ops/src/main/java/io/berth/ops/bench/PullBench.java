package io.berth.ops.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.ImageConfig;
import io.berth.protocol.oci.image.ImageIndex;
import io.berth.protocol.oci.image.ImageLayout;
import io.berth.protocol.oci.image.Manifest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import io.berth.protocol.oci.image.Platform;
import io.berth.storage.image.ImageStoreOptions;
import io.berth.storage.image.LocalImageStore;
import io.berth.storage.registry.ImagePuller;
import io.berth.storage.registry.ImageReference;
import io.berth.storage.registry.RegistryClient;
import io.berth.storage.registry.RetryPolicy;
import io.berth.storage.registry.TransferListener;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth bench pull}: a generated image (8 gzip layers, 256 MiB in all) in a local {@code docker-registry}
 * started for the run; a cold pull with verification by Berth and by {@code skopeo copy docker://… oci:…}, taking
 * turns; the unpack of the pulled image by Berth and by {@code umoci unpack}; then Berth's warm pull (everything
 * cached: one manifest HEAD). Each figure is the median of {@code --runs}; one unmeasured pull by each tool first
 * warms the page cache and the JVM, as a long-running agent would be.
 */
@Command(name = "pull", description = "Benchmark image pull and unpack: Berth against skopeo and umoci on a local registry.")
public final class PullBench implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print one JSON object: berth_pull_s, skopeo_pull_s, berth_unpack_s, umoci_unpack_s, berth_warm_pull_ms.")
    boolean json;

    @Option(names = "--layers", paramLabel = "N", description = "Layers of the generated image (default: ${DEFAULT-VALUE}).")
    int layers = 8;

    @Option(names = "--size-mib", paramLabel = "MIB", description = "Uncompressed size of all layers together (default: ${DEFAULT-VALUE}).")
    int sizeMib = 256;

    @Option(names = "--runs", paramLabel = "N", description = "Measured runs per figure; the median is reported (default: ${DEFAULT-VALUE}).")
    int runs = 3;

    @Option(names = "--concurrency", paramLabel = "N", description = "Berth's concurrent layer downloads (default: ${DEFAULT-VALUE}).")
    int concurrency = ImagePuller.DEFAULT_CONCURRENCY;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "Where to put the registry and stores (default: a new temporary directory, deleted after).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        if (layers < 1 || sizeMib < layers || runs < 1) {
            throw new IllegalArgumentException("--layers must be at least 1, --size-mib at least --layers, --runs at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("berth-bench-pull");
        Process registry = null;
        try {
            say(err, "generating " + layers + " gzip layers, " + sizeMib + " MiB in all ...");
            Path layout = generateLayout(work.resolve("layout"));
            int port = freePort();
            registry = startRegistry(work.resolve("registry"), port);
            String ref = "127.0.0.1:" + port + "/bench/pull:v1";
            run(List.of("skopeo", "copy", "--quiet", "--dest-tls-verify=false", "oci:" + layout + ":v1", "docker://" + ref));

            say(err, "warming up (one unmeasured pull each) ...");
            RegistryClient client = RegistryClient.builder().build();
            berthPull(client, work.resolve("warmup-store"), ref);
            skopeoPull(ref, work.resolve("warmup-oci"));

            List<Double> berthPull = new ArrayList<>();
            List<Double> skopeoPull = new ArrayList<>();
            List<Double> berthUnpack = new ArrayList<>();
            List<Double> umociUnpack = new ArrayList<>();
            for (int i = 0; i < runs; i++) {
                Path store = work.resolve("store-" + i);
                berthPull.add(berthPull(client, store, ref));
                Path oci = work.resolve("oci-" + i);
                skopeoPull.add(skopeoPull(ref, oci));
                berthUnpack.add(berthUnpack(store, ref));
                umociUnpack.add(umociUnpack(oci, work.resolve("bundle-" + i)));
                say(err, String.format(Locale.ROOT, "run %d: pull berth %.2f s, skopeo %.2f s; unpack berth %.2f s, umoci %.2f s",
                        i + 1, berthPull.get(i), skopeoPull.get(i), berthUnpack.get(i), umociUnpack.get(i)));
                if (i > 0) {
                    deleteTree(store);
                }
                deleteTree(oci);
                deleteTree(work.resolve("bundle-" + i));
            }
            List<Double> warm = new ArrayList<>();
            try (LocalImageStore store = LocalImageStore.open(work.resolve("store-0"), ImageStoreOptions.defaults())) {
                ImagePuller puller = new ImagePuller(client, store, concurrency, RetryPolicy.DEFAULT);
                for (int i = 0; i < Math.max(5, runs); i++) {
                    long start = System.nanoTime();
                    puller.pull(ImageReference.parse(ref), TransferListener.NONE);
                    warm.add((System.nanoTime() - start) / 1e6);
                }
            }
            report(out, median(berthPull), median(skopeoPull), median(berthUnpack), median(umociUnpack), median(warm));
            return 0;
        } finally {
            if (registry != null) {
                registry.destroy();
                registry.waitFor(10, TimeUnit.SECONDS);
            }
            if (workDir == null) {
                deleteTree(work);
            }
        }
    }

    private void report(PrintWriter out, double berthPull, double skopeoPull, double berthUnpack, double umociUnpack, double warmMs) throws IOException {
        if (json) {
            ObjectNode o = JSON.createObjectNode();
            o.put("berth_pull_s", round(berthPull, 3));
            o.put("skopeo_pull_s", round(skopeoPull, 3));
            o.put("berth_unpack_s", round(berthUnpack, 3));
            o.put("umoci_unpack_s", round(umociUnpack, 3));
            o.put("berth_warm_pull_ms", round(warmMs, 2));
            out.println(JSON.writeValueAsString(o));
            return;
        }
        out.printf(Locale.ROOT, "image: %d gzip layers, %d MiB uncompressed; median of %d run(s)%n", layers, sizeMib, runs);
        out.printf(Locale.ROOT, "cold pull   berth %7.2f s   skopeo %7.2f s   (berth/skopeo %.2f)%n", berthPull, skopeoPull, berthPull / skopeoPull);
        out.printf(Locale.ROOT, "unpack      berth %7.2f s   umoci  %7.2f s   (berth/umoci %.2f)%n", berthUnpack, umociUnpack, berthUnpack / umociUnpack);
        out.printf(Locale.ROOT, "warm pull   berth %7.2f ms%n", warmMs);
    }

    private double berthPull(RegistryClient client, Path storeDir, String ref) throws IOException {
        try (LocalImageStore store = LocalImageStore.open(storeDir, ImageStoreOptions.defaults())) {
            long start = System.nanoTime();
            new ImagePuller(client, store, concurrency, RetryPolicy.DEFAULT).pull(ImageReference.parse(ref), TransferListener.NONE);
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static double berthUnpack(Path storeDir, String ref) throws IOException {
        try (LocalImageStore store = LocalImageStore.open(storeDir, ImageStoreOptions.defaults())) {
            long start = System.nanoTime();
            store.ensureSnapshots(ImagePuller.storeName(ImageReference.parse(ref)));
            return (System.nanoTime() - start) / 1e9;
        }
    }

    private static double skopeoPull(String ref, Path oci) throws IOException {
        long start = System.nanoTime();
        run(List.of("skopeo", "copy", "--quiet", "--src-tls-verify=false", "docker://" + ref, "oci:" + oci + ":v1"));
        return (System.nanoTime() - start) / 1e9;
    }

    private static double umociUnpack(Path oci, Path bundle) throws IOException {
        long start = System.nanoTime();
        run(List.of("umoci", "unpack", "--image", oci + ":v1", bundle.toString()));
        return (System.nanoTime() - start) / 1e9;
    }

    /**
     * An OCI layout with one image: {@code layers} gzip layers of equal size, each a tar of 8 MiB files of
     * pseudo-random bytes (incompressible, so the wire carries the full size), plus a small text file.
     */
    private Path generateLayout(Path layout) throws IOException {
        Path blobs = Files.createDirectories(layout.resolve("blobs/sha256"));
        long perLayer = (long) sizeMib * (1 << 20) / layers;
        SplittableRandom random = new SplittableRandom(20261128);
        List<Descriptor> layerDescriptors = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            Path tmp = blobs.resolve("tmp-" + i);
            MessageDigest compressed = Digest.newSha256();
            MessageDigest uncompressed = Digest.newSha256();
            try (OutputStream file = new DigestOutputStream(Files.newOutputStream(tmp), compressed);
                 GZIPOutputStream gzip = new GZIPOutputStream(file, 1 << 16) {
                     {
                         def.setLevel(Deflater.BEST_SPEED);
                     }
                 };
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(new DigestOutputStream(gzip, uncompressed))) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
                byte[] text = ("layer " + i + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
                putFile(tar, "layer" + i + "/info.txt", text);
                long left = perLayer - text.length;
                int fileIndex = 0;
                byte[] chunk = new byte[1 << 20];
                while (left > 0) {
                    long size = Math.min(left, 8L << 20);
                    TarArchiveEntry entry = new TarArchiveEntry("layer" + i + "/data-" + fileIndex++ + ".bin");
                    entry.setSize(size);
                    entry.setMode(0644);
                    tar.putArchiveEntry(entry);
                    for (long written = 0; written < size; ) {
                        for (int j = 0; j < chunk.length; j += 8) {
                            long v = random.nextLong();
                            for (int k = 0; k < 8; k++) {
                                chunk[j + k] = (byte) (v >>> (8 * k));
                            }
                        }
                        int n = (int) Math.min(chunk.length, size - written);
                        tar.write(chunk, 0, n);
                        written += n;
                    }
                    tar.closeArchiveEntry();
                    left -= size;
                }
                tar.finish();
            }
            Digest digest = Digest.fromSha256(compressed.digest());
            Files.move(tmp, blobs.resolve(digest.hex()));
            layerDescriptors.add(Descriptor.of(MediaTypes.OCI_LAYER_GZIP, digest, Files.size(blobs.resolve(digest.hex()))));
            diffIds.add(Digest.fromSha256(uncompressed.digest()));
        }
        Platform platform = Platform.current();
        ImageConfig config = new ImageConfig(null, null, platform.architecture(), platform.os(), platform.variant(),
                null, new ImageConfig.RootFs("layers", diffIds), List.of());
        Descriptor configDescriptor = writeBlob(blobs, MediaTypes.OCI_CONFIG, OciJson.write(config));
        Manifest manifest = new Manifest(2, MediaTypes.OCI_MANIFEST, null, configDescriptor, layerDescriptors, null, null);
        Descriptor manifestDescriptor = writeBlob(blobs, MediaTypes.OCI_MANIFEST, OciJson.write(manifest))
                .withAnnotations(Map.of(Descriptor.REF_NAME, "v1"));
        Files.write(layout.resolve("index.json"), OciJson.write(new ImageIndex(2, null, List.of(manifestDescriptor), null)));
        Files.write(layout.resolve(ImageLayout.FILE_NAME), OciJson.write(ImageLayout.current()));
        return layout;
    }

    private static void putFile(TarArchiveOutputStream tar, String name, byte[] content) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(content.length);
        entry.setMode(0644);
        tar.putArchiveEntry(entry);
        tar.write(content);
        tar.closeArchiveEntry();
    }

    private static Descriptor writeBlob(Path blobs, String mediaType, byte[] bytes) throws IOException {
        Digest digest = Digest.sha256(bytes);
        Files.write(blobs.resolve(digest.hex()), bytes);
        return Descriptor.of(mediaType, digest, bytes.length);
    }

    private static Process startRegistry(Path dir, int port) throws IOException, InterruptedException {
        Files.createDirectories(dir.resolve("data"));
        Path config = dir.resolve("config.yml");
        Files.writeString(config, "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\n"
                + "http:\n  addr: 127.0.0.1:" + port + "\n  secret: berth-bench\n");
        Process p = new ProcessBuilder(tool("docker-registry"), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
        for (int i = 0; i < 400; i++) {
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return p;
            } catch (IOException notYet) {
                if (!p.isAlive()) {
                    break;
                }
                Thread.sleep(50);
            }
        }
        p.destroy();
        throw new IOException("docker-registry did not start on port " + port + ": " + Files.readString(dir.resolve("registry.log")));
    }

    private static String tool(String name) throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new IOException(name + " not found on PATH; run ops/setup-host to install the benchmark's peers");
    }

    private static void run(List<String> command) throws IOException {
        List<String> resolved = new ArrayList<>(command);
        resolved.set(0, tool(command.get(0)));
        Process p = new ProcessBuilder(resolved).redirectErrorStream(true).start();
        byte[] output;
        try (InputStream in = p.getInputStream()) {
            output = in.readAllBytes();
        }
        try {
            if (p.waitFor() != 0) {
                throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + new String(output).strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static double round(double v, int places) {
        double scale = Math.pow(10, places);
        return Math.round(v * scale) / scale;
    }

    private void say(PrintWriter err, String message) {
        if (!json) {
            err.println(message);
            err.flush();
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
