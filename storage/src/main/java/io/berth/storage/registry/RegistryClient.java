package io.berth.storage.registry;

import io.berth.protocol.oci.image.Descriptor;
import io.berth.protocol.oci.image.Digest;
import io.berth.protocol.oci.image.MediaTypes;
import io.berth.protocol.oci.image.OciJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI distribution-spec operations against registries: ping, manifest resolution and fetch, blob download
 * with {@code Range} resume, blob existence, cross-repository mount, monolithic and chunked upload, manifest
 * push. Every manifest it returns has been checked against its digest, size and media type; blob bodies are
 * handed out as streams that the caller verifies (the content store does, on commit).
 *
 * <p>Thread-safe: one client serves many concurrent pulls and pushes, sharing connections and tokens per
 * registry. Pulls try a registry's mirrors first, in order, then the registry; pushes go to the registry only.
 */
public final class RegistryClient {

    private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);

    /** Manifests and indexes larger than this are refused: they are small JSON documents. */
    public static final int MAX_MANIFEST_SIZE = 4 << 20;

    private static final String ACCEPT = String.join(", ", MediaTypes.OCI_MANIFEST, MediaTypes.OCI_INDEX,
            MediaTypes.DOCKER_MANIFEST, MediaTypes.DOCKER_MANIFEST_LIST);

    private final Map<String, RegistryHost> hosts;
    private final CredentialStore credentials;
    private final RetryPolicy retry;
    private final Duration stallTimeout;
    private final Map<String, RegistrySession> sessions = new ConcurrentHashMap<>();
    private final Map<String, HttpClient> httpClients = new ConcurrentHashMap<>();

    private RegistryClient(Builder builder) {
        this.hosts = Map.copyOf(builder.hosts);
        this.credentials = builder.credentials;
        this.retry = builder.retry;
        this.stallTimeout = builder.stallTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link RegistryClient}; not thread-safe. */
    public static final class Builder {
        private final Map<String, RegistryHost> hosts = new HashMap<>();
        private CredentialStore credentials = CredentialStore.empty();
        private RetryPolicy retry = RetryPolicy.DEFAULT;
        private Duration stallTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /** How to reach one registry (insecure, CA, mirrors); registries not given use the defaults. */
        public Builder host(RegistryHost host) {
            hosts.put(CredentialStore.normaliseHost(host.registry()), host);
            return this;
        }

        public Builder credentials(CredentialStore store) {
            this.credentials = store;
            return this;
        }

        public Builder retry(RetryPolicy policy) {
            this.retry = policy;
            return this;
        }

        /**
         * How long a blob download may go without receiving a byte before its connection is abandoned (the
         * download then resumes with {@code Range} per the retry policy). Default 60 s.
         */
        public Builder stallTimeout(Duration timeout) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("stallTimeout must be positive, got " + timeout);
            }
            this.stallTimeout = timeout;
            return this;
        }

        public RegistryClient build() {
            return new RegistryClient(this);
        }
    }

    /** Where a blob download starts: the stream and the offset its first byte is at. The caller closes it. */
    public record BlobStream(InputStream body, long offset) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            body.close();
        }
    }

    /** Opens a blob's content starting at {@code offset} bytes; how a push reads what it uploads. */
    @FunctionalInterface
    public interface BlobSource {
        InputStream open(long offset) throws IOException;
    }

    /**
     * Checks that {@code registry} serves the distribution API and accepts the configured credentials.
     *
     * @throws RegistryException.Unauthorized when it needs credentials it did not get or refuses them
     * @throws RegistryException when it cannot be reached or is not a registry
     */
    public void ping(String registry) throws IOException {
        origin(registry).ping();
    }

    /**
     * What a reference names: the descriptor (media type, digest, size) of its manifest or index, from a HEAD
     * (or, when the registry's HEAD gives no digest, a GET whose body is digested). A reference with a digest
     * is checked against the registry's answer.
     *
     * @throws RegistryException.NotFound when the registry does not know the repository or the tag
     * @throws RegistryException.Untrusted when the registry's answer contradicts the reference
     */
    public Descriptor resolve(ImageReference ref) throws IOException {
        return onPullEndpoints(ref, session -> resolveOn(session, ref));
    }

    /**
     * Fetches a manifest or index and checks it: the digest of the bytes, the size, the {@code Content-Type}
     * against {@code descriptor.mediaType()} and the document's own {@code mediaType} field.
     *
     * @throws RegistryException.Untrusted when any of these does not match
     */
    public byte[] fetchManifest(ImageReference ref, Descriptor descriptor) throws IOException {
        return onPullEndpoints(ref, session -> fetchManifestOn(session, ref, descriptor));
    }

    /**
     * Opens a blob for download from {@code offset} (with a {@code Range} request when above 0). The returned
     * offset is where the body really starts: 0 when the registry ignored the range. Redirects to storage on
     * other hosts are followed without credentials.
     *
     * @throws RegistryException.NotFound when the registry does not have the blob
     * @throws RegistryException.Untrusted when the registry announces a size other than the descriptor's
     */
    public BlobStream openBlob(ImageReference ref, Descriptor descriptor, long offset) throws IOException {
        return onPullEndpoints(ref, session -> openBlobOn(session, ref, descriptor, offset));
    }

    /** Whether the repository of {@code ref} on its registry already has the blob ({@code HEAD}). */
    public boolean blobExists(ImageReference ref, Digest digest) throws IOException {
        RegistrySession session = origin(ref.registry());
        HttpResponse<InputStream> response = session.send(RegistrySession.Call.head(
                "/v2/" + ref.repository() + "/blobs/" + digest, pushScopes(ref, null), Map.of()));
        try (InputStream ignored = response.body()) {
            int status = response.statusCode();
            if (status == 200) {
                return true;
            }
            if (status == 404) {
                return false;
            }
            throw session.error(response, "HEAD blob " + digest + " in " + ref.repository());
        }
    }

    /**
     * Uploads a blob unless the repository has it: HEAD, then a cross-repository mount from
     * {@code mountFrom} (a repository on the same registry, or null), then an upload: monolithic (one PUT) when
     * the blob is at most {@code chunkSize} bytes, else chunked (PATCHes of {@code chunkSize}, then a PUT). A
     * failed upload is restarted per the retry policy.
     *
     * @return what happened: {@code EXISTS}, {@code MOUNTED} or {@code UPLOADED}
     * @throws RegistryException when the registry refuses the upload or rejects the digest
     */
    public UploadResult pushBlob(ImageReference ref, Descriptor blob, String mountFrom, long chunkSize,
                                 BlobSource source) throws IOException {
        if (blobExists(ref, blob.digest())) {
            return UploadResult.EXISTS;
        }
        RegistrySession session = origin(ref.registry());
        for (int attempt = 1; ; attempt++) {
            try {
                return upload(session, ref, blob, mountFrom, chunkSize, source);
            } catch (RegistryException e) {
                boolean transientFailure = e.status() >= 500 || e.status() == 429 || (e.status() == 0 && e.getCause() != null);
                if (!transientFailure || attempt >= retry.maxAttempts()) {
                    throw e;
                }
                log.info("upload of {} to {} failed ({}); restarting it", blob.digest(), ref.name(), e.getMessage());
                sleep(retry.backoff(attempt));
            }
        }
    }

    /** What {@link #pushBlob} did. */
    public enum UploadResult { EXISTS, MOUNTED, UPLOADED }

    /**
     * Puts a manifest or index under the tag or digest of {@code ref}, and checks the digest the registry
     * computed.
     *
     * @return the digest of {@code bytes}
     */
    public Digest putManifest(ImageReference ref, String mediaType, byte[] bytes) throws IOException {
        RegistrySession session = origin(ref.registry());
        Digest digest = Digest.sha256(bytes);
        HttpResponse<InputStream> response = session.send(new RegistrySession.Call("PUT",
                "/v2/" + ref.repository() + "/manifests/" + ref.apiReference(), pushScopes(ref, null),
                Map.of("Content-Type", mediaType), () -> HttpRequest.BodyPublishers.ofByteArray(bytes), true));
        if (response.statusCode() != 201 && response.statusCode() != 200) {
            throw session.error(response, "PUT manifest " + ref);
        }
        response.body().close();
        Optional<String> answered = response.headers().firstValue("Docker-Content-Digest");
        if (answered.isPresent() && !answered.get().equals(digest.toString())) {
            throw new RegistryException.Untrusted("registry " + ref.registry() + " stored manifest " + ref
                    + " under digest " + answered.get() + " but its bytes have digest " + digest);
        }
        return digest;
    }

    // ---- pull side ----

    private Descriptor resolveOn(RegistrySession session, ImageReference ref) throws IOException {
        String target = "/v2/" + ref.repository() + "/manifests/" + ref.apiReference();
        HttpResponse<InputStream> response = session.send(RegistrySession.Call.head(target, pullScopes(ref), Map.of("Accept", ACCEPT)));
        int status = response.statusCode();
        response.body().close();
        if (status == 404) {
            throw new RegistryException.NotFound("manifest unknown: " + ref + " (registry " + session.hostPort()
                    + " has no such repository or tag; check the name and tag)");
        }
        if (status != 200) {
            // Some registries and proxies do not answer HEAD on manifests; the GET says what is wrong, if anything.
            return resolveByGet(session, ref);
        }
        String mediaType = contentType(response);
        Optional<String> digestHeader = response.headers().firstValue("Docker-Content-Digest");
        long size = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (digestHeader.isEmpty() || size < 0) {
            // Some registries answer HEAD without the digest; digest the GET body instead.
            return resolveByGet(session, ref);
        }
        Digest digest = parseDigestHeader(session, ref, digestHeader.get());
        if (ref.digest() != null && !ref.digest().equals(digest)) {
            throw new RegistryException.Untrusted("registry " + session.hostPort() + " answered manifest " + ref
                    + " with digest " + digest + "; refusing content other than the digest asked for");
        }
        checkManifestType(session, ref, mediaType);
        return Descriptor.of(mediaType, digest, size);
    }

    private Descriptor resolveByGet(RegistrySession session, ImageReference ref) throws IOException {
        HttpResponse<InputStream> response = getManifest(session, ref, ref.apiReference());
        String mediaType = contentType(response);
        checkManifestType(session, ref, mediaType);
        byte[] bytes = readManifestBody(session, ref, response);
        Digest digest = Digest.sha256(bytes);
        if (ref.digest() != null && !ref.digest().equals(digest)) {
            throw new RegistryException.Untrusted("registry " + session.hostPort() + " sent manifest " + ref
                    + " whose bytes have digest " + digest);
        }
        return Descriptor.of(mediaType, digest, bytes.length);
    }

    private byte[] fetchManifestOn(RegistrySession session, ImageReference ref, Descriptor expected) throws IOException {
        HttpResponse<InputStream> response = getManifest(session, ref, expected.digest().toString());
        String mediaType = contentType(response);
        Optional<String> digestHeader = response.headers().firstValue("Docker-Content-Digest");
        byte[] bytes = readManifestBody(session, ref, response);
        String what = "manifest " + expected.digest() + " of " + ref.name() + " from registry " + session.hostPort();
        if (digestHeader.isPresent() && !digestHeader.get().equals(expected.digest().toString())) {
            throw new RegistryException.Untrusted(what + ": the registry's Docker-Content-Digest is " + digestHeader.get());
        }
        if (expected.size() >= 0 && bytes.length != expected.size()) {
            throw new RegistryException.Untrusted(what + ": size mismatch: expected " + expected.size() + " bytes, got " + bytes.length);
        }
        Digest actual = digestOf(expected.digest(), bytes);
        if (!actual.equals(expected.digest())) {
            throw new RegistryException.Untrusted(what + ": digest mismatch: the bytes have digest " + actual);
        }
        if (!mediaType.equals(expected.mediaType())) {
            throw new RegistryException.Untrusted(what + ": media type mismatch: expected " + expected.mediaType()
                    + ", the registry sent Content-Type " + mediaType);
        }
        String declared;
        try {
            declared = OciJson.mediaTypeOf(bytes, what);
        } catch (IllegalArgumentException e) {
            throw new RegistryException.Untrusted(e.getMessage());
        }
        if (declared != null && !declared.equals(mediaType)) {
            throw new RegistryException.Untrusted(what + ": media type mismatch: the document says " + declared
                    + ", the registry sent Content-Type " + mediaType);
        }
        return bytes;
    }

    private HttpResponse<InputStream> getManifest(RegistrySession session, ImageReference ref, String reference) throws IOException {
        HttpResponse<InputStream> response = session.send(RegistrySession.Call.get(
                "/v2/" + ref.repository() + "/manifests/" + reference, pullScopes(ref), Map.of("Accept", ACCEPT)));
        if (response.statusCode() != 200) {
            throw session.error(response, "GET manifest " + ref.name() + "@" + reference);
        }
        return response;
    }

    private static byte[] readManifestBody(RegistrySession session, ImageReference ref, HttpResponse<InputStream> response) throws IOException {
        try (InputStream body = response.body()) {
            byte[] bytes = body.readNBytes(MAX_MANIFEST_SIZE + 1);
            if (bytes.length > MAX_MANIFEST_SIZE) {
                throw new RegistryException.Untrusted("manifest " + ref + " from registry " + session.hostPort()
                        + " is larger than " + MAX_MANIFEST_SIZE + " bytes; refusing it");
            }
            return bytes;
        }
    }

    private BlobStream openBlobOn(RegistrySession session, ImageReference ref, Descriptor blob, long offset) throws IOException {
        Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
        HttpResponse<InputStream> response = session.send(RegistrySession.Call.get(
                "/v2/" + ref.repository() + "/blobs/" + blob.digest(), pullScopes(ref), headers));
        int status = response.statusCode();
        String what = "blob " + blob.digest() + " of " + ref.name() + " from registry " + session.hostPort();
        if (status == 416 && offset > 0) {
            // The partial ingest is not a prefix the registry can continue; start over.
            response.body().close();
            return openBlobOn(session, ref, blob, 0);
        }
        if (status != 200 && status != 206) {
            throw session.error(response, "GET " + what);
        }
        long start = 0;
        if (status == 206) {
            start = parseContentRangeStart(response.headers().firstValue("Content-Range").orElse(""));
            if (start != offset) {
                response.body().close();
                throw new RegistryException.Untrusted(what + ": asked for bytes from " + offset + ", got a range starting at " + start);
            }
        }
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        if (length >= 0 && start + length != blob.size()) {
            response.body().close();
            throw new RegistryException.Untrusted(what + ": size mismatch: the manifest says " + blob.size()
                    + " bytes, the registry announces " + (start + length));
        }
        return new BlobStream(new StallGuard(response.body(), stallTimeout, what), start);
    }

    private static long parseContentRangeStart(String contentRange) {
        // bytes <start>-<end>/<total>
        String s = contentRange.trim();
        if (s.startsWith("bytes ")) {
            s = s.substring(6).trim();
        }
        int dash = s.indexOf('-');
        try {
            return dash > 0 ? Long.parseLong(s.substring(0, dash)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static String contentType(HttpResponse<?> response) {
        String value = response.headers().firstValue("Content-Type").orElse("");
        int semicolon = value.indexOf(';');
        return (semicolon >= 0 ? value.substring(0, semicolon) : value).trim().toLowerCase(Locale.ROOT);
    }

    private static void checkManifestType(RegistrySession session, ImageReference ref, String mediaType) throws RegistryException {
        if (!MediaTypes.ACCEPTED_MANIFESTS.contains(mediaType)) {
            throw new RegistryException.Untrusted("registry " + session.hostPort() + " answered manifest " + ref
                    + " with Content-Type '" + mediaType + "', which is none of the manifest types asked for ("
                    + ACCEPT + "); schema 1 and other types are not supported");
        }
    }

    private static Digest parseDigestHeader(RegistrySession session, ImageReference ref, String value) throws RegistryException {
        try {
            return Digest.parse(value.trim());
        } catch (IllegalArgumentException e) {
            throw new RegistryException.Untrusted("registry " + session.hostPort() + " answered manifest " + ref
                    + " with an invalid Docker-Content-Digest: " + e.getMessage());
        }
    }

    private static Digest digestOf(Digest like, byte[] bytes) {
        byte[] raw = like.newMessageDigest().digest(bytes);
        return new Digest(like.algorithm(), java.util.HexFormat.of().formatHex(raw));
    }

    // ---- push side ----

    private UploadResult upload(RegistrySession session, ImageReference ref, Descriptor blob, String mountFrom,
                                long chunkSize, BlobSource source) throws IOException {
        String uploads = "/v2/" + ref.repository() + "/blobs/uploads/";
        boolean mounting = mountFrom != null && !mountFrom.equals(ref.repository());
        String post = mounting ? uploads + "?mount=" + enc(blob.digest().toString()) + "&from=" + enc(mountFrom) : uploads;
        HttpResponse<InputStream> response = session.send(new RegistrySession.Call("POST", post,
                pushScopes(ref, mounting ? mountFrom : null), Map.of(), null, false));
        int status = response.statusCode();
        if (status == 201 && mounting) {
            response.body().close();
            return UploadResult.MOUNTED;
        }
        if (status != 202) {
            throw session.error(response, "POST upload of " + blob.digest() + " to " + ref.repository());
        }
        response.body().close();
        String location = location(session, response, ref);
        if (blob.size() > chunkSize) {
            long offset = 0;
            try (InputStream in = source.open(0)) {
                while (offset < blob.size()) {
                    byte[] chunk = in.readNBytes((int) Math.min(chunkSize, blob.size() - offset));
                    if (chunk.length == 0) {
                        throw new IOException("local blob " + blob.digest() + " ended at " + offset + " of " + blob.size() + " bytes");
                    }
                    long end = offset + chunk.length - 1;
                    HttpResponse<InputStream> patch = session.send(new RegistrySession.Call("PATCH", location, pushScopes(ref, null),
                            Map.of("Content-Type", "application/octet-stream", "Content-Range", offset + "-" + end),
                            () -> HttpRequest.BodyPublishers.ofByteArray(chunk), false));
                    if (patch.statusCode() != 202) {
                        throw session.error(patch, "PATCH upload of " + blob.digest() + " bytes " + offset + "-" + end);
                    }
                    patch.body().close();
                    location = location(session, patch, ref);
                    offset += chunk.length;
                }
            }
            HttpResponse<InputStream> put = session.send(new RegistrySession.Call("PUT", withQuery(location, "digest=" + enc(blob.digest().toString())),
                    pushScopes(ref, null), Map.of(), null, false));
            expectCreated(session, put, blob);
        } else {
            Supplier<HttpRequest.BodyPublisher> body = () -> HttpRequest.BodyPublishers.fromPublisher(
                    HttpRequest.BodyPublishers.ofInputStream(() -> {
                        try {
                            return source.open(0);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }), blob.size());
            HttpResponse<InputStream> put = session.send(new RegistrySession.Call("PUT", withQuery(location, "digest=" + enc(blob.digest().toString())),
                    pushScopes(ref, null), Map.of("Content-Type", "application/octet-stream"), body, false));
            expectCreated(session, put, blob);
        }
        return UploadResult.UPLOADED;
    }

    private static void expectCreated(RegistrySession session, HttpResponse<InputStream> put, Descriptor blob) throws IOException {
        if (put.statusCode() != 201) {
            throw session.error(put, "PUT upload of " + blob.digest());
        }
        put.body().close();
    }

    private static String location(RegistrySession session, HttpResponse<InputStream> response, ImageReference ref) throws IOException {
        String location = response.headers().firstValue("Location").orElseThrow(() -> new RegistryException(
                "registry " + session.hostPort() + " answered an upload to " + ref.repository() + " without a Location"));
        return session.base().resolve(location).toString();
    }

    private static String withQuery(String url, String query) {
        return url + (url.contains("?") ? "&" : "?") + query;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static List<String> pullScopes(ImageReference ref) {
        return List.of("repository:" + ref.repository() + ":pull");
    }

    private static List<String> pushScopes(ImageReference ref, String mountFrom) {
        List<String> scopes = new ArrayList<>();
        scopes.add("repository:" + ref.repository() + ":pull,push");
        if (mountFrom != null) {
            scopes.add("repository:" + mountFrom + ":pull");
        }
        return scopes;
    }

    // ---- endpoints ----

    @FunctionalInterface
    private interface Operation<T> {
        T on(RegistrySession session) throws IOException;
    }

    /** Tries the mirrors in order, then the registry; a mirror that fails or lacks the content is skipped. */
    private <T> T onPullEndpoints(ImageReference ref, Operation<T> operation) throws IOException {
        RegistryHost host = host(ref.registry());
        for (String mirror : host.mirrors()) {
            // A mirror is its own server: it gets its own credentials, never the registry's.
            RegistrySession session = session(ref.registry(), mirror, host, credentials.forRegistry(mirrorHost(mirror)));
            try {
                return operation.on(session);
            } catch (RegistryException.Untrusted | InterruptedIOException e) {
                throw e;
            } catch (IOException e) {
                log.info("mirror {} of {} failed ({}); trying the next", mirror, ref.registry(), e.getMessage());
            }
        }
        return operation.on(origin(ref.registry()));
    }

    private RegistrySession origin(String registry) {
        RegistryHost host = host(registry);
        return session(registry, ImageReference.apiHost(registry), host, credentials.forRegistry(registry));
    }

    private static String mirrorHost(String mirror) {
        int scheme = mirror.indexOf("://");
        String rest = scheme >= 0 ? mirror.substring(scheme + 3) : mirror;
        int slash = rest.indexOf('/');
        return slash >= 0 ? rest.substring(0, slash) : rest;
    }

    private RegistryHost host(String registry) {
        return hosts.getOrDefault(CredentialStore.normaliseHost(registry), RegistryHost.defaults(registry));
    }

    private RegistrySession session(String registry, String endpoint, RegistryHost host, Optional<Credentials> creds) {
        return sessions.computeIfAbsent(registry + " " + endpoint, k -> new RegistrySession(registry, endpoint, host,
                creds, httpClient(host), retry));
    }

    private HttpClient httpClient(RegistryHost host) {
        String key = host.caBundle() == null ? "" : host.caBundle().toAbsolutePath().toString();
        return httpClients.computeIfAbsent(key, k -> {
            HttpClient.Builder builder = HttpClient.newBuilder()
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .connectTimeout(Duration.ofSeconds(15))
                    // HTTP/1.1: registries serve large blobs best over parallel connections, and plain-HTTP
                    // registries would otherwise see an h2c upgrade attempt on every request.
                    .version(HttpClient.Version.HTTP_1_1);
            if (host.caBundle() != null) {
                builder.sslContext(sslContext(host.caBundle()));
            }
            return builder.build();
        });
    }

    /** The system CAs plus those of {@code bundle}. */
    private static SSLContext sslContext(Path bundle) {
        try {
            return CaTrust.systemAnd(bundle);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("CA bundle " + e.getMessage(), e);
        }
    }

    private static void sleep(Duration delay) throws InterruptedIOException {
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }

}
