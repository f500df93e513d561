package io.berth.storage.registry;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A Docker token endpoint for the tests (no packaged one exists): checks Basic credentials, and signs JWTs
 * with an RSA key that {@code keytool} generates, whose certificate is the registry's {@code rootcertbundle}.
 * A valid user gets the actions asked for; anyone else gets 401.
 */
final class TokenServer implements AutoCloseable {

    static final String SERVICE = "berth-test-registry";
    static final String ISSUER = "berth-test-issuer";
    /** The identity (refresh) token the server accepts on its OAuth2 POST form. */
    static final String IDENTITY_TOKEN = "berth-test-refresh-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One token request as received. */
    record Request(String authorization, List<String> scopes) { }

    private final HttpServer server;
    private final PrivateKey key;
    private final String keyId;
    private final Path certificatePem;
    private final String user;
    private final String password;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    private TokenServer(HttpServer server, PrivateKey key, PublicKey publicKey, Path certificatePem, String user, String password) throws IOException {
        this.server = server;
        this.key = key;
        this.keyId = libtrustKeyId(publicKey);
        this.certificatePem = certificatePem;
        this.user = user;
        this.password = password;
    }

    static TokenServer start(Path dir, String user, String password) throws Exception {
        Files.createDirectories(dir);
        Path keystore = dir.resolve("token-signer.p12");
        Path pem = dir.resolve("token-signer.pem");
        DockerRegistry.run(List.of("keytool", "-genkeypair", "-keyalg", "RSA", "-keysize", "2048", "-alias", "signer",
                "-dname", "CN=berth-test-token-signer", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit"));
        DockerRegistry.run(List.of("keytool", "-exportcert", "-rfc", "-alias", "signer", "-keystore", keystore.toString(),
                "-storepass", "changeit", "-file", pem.toString()));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey("signer", "changeit".toCharArray());
        PublicKey publicKey = ks.getCertificate("signer").getPublicKey();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        TokenServer tokens = new TokenServer(server, key, publicKey, pem, user, password);
        server.createContext("/token", tokens::handle);
        server.start();
        return tokens;
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    Path certificatePem() {
        return certificatePem;
    }

    List<Request> requests() {
        return requests;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            List<String> scopes = new ArrayList<>();
            boolean post = exchange.getRequestMethod().equals("POST");
            // GET: Basic credentials and scope parameters; POST: the OAuth2 refresh-token form, scopes space-separated
            String params = post ? new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)
                    : exchange.getRequestURI().getRawQuery();
            String refreshToken = null;
            if (params != null) {
                for (String pair : params.split("&")) {
                    int eq = pair.indexOf('=');
                    String key = eq > 0 ? pair.substring(0, eq) : pair;
                    String value = eq > 0 ? URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8) : "";
                    if (key.equals("scope")) {
                        scopes.addAll(post ? List.of(value.split(" ")) : List.of(value));
                    } else if (key.equals("refresh_token")) {
                        refreshToken = value;
                    }
                }
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            requests.add(new Request(post ? "refresh_token " + refreshToken : authorization, scopes));
            boolean valid = post ? (IDENTITY_TOKEN.equals(refreshToken))
                    : new Credentials(user, password).basicHeader().equals(authorization);
            if (!valid) {
                byte[] body = "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(401, body.length);
                exchange.getResponseBody().write(body);
                return;
            }
            ObjectNode answer = JSON.createObjectNode();
            answer.put(post ? "access_token" : "token", sign(scopes));
            answer.put("expires_in", 300);
            answer.put("issued_at", Instant.now().toString());
            byte[] body = JSON.writeValueAsBytes(answer);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private String sign(List<String> scopes) throws Exception {
        ObjectNode header = JSON.createObjectNode().put("typ", "JWT").put("alg", "RS256").put("kid", keyId);
        long now = Instant.now().getEpochSecond();
        ObjectNode claims = JSON.createObjectNode()
                .put("iss", ISSUER).put("sub", user).put("aud", SERVICE)
                .put("exp", now + 300).put("nbf", now - 10).put("iat", now - 10).put("jti", UUID.randomUUID().toString());
        ArrayNode access = claims.putArray("access");
        for (String scope : scopes) {
            String[] parts = scope.split(":");
            if (parts.length == 3) {
                ObjectNode entry = access.addObject().put("type", parts[0]).put("name", parts[1]);
                ArrayNode actions = entry.putArray("actions");
                for (String action : parts[2].split(",")) {
                    actions.add(action);
                }
            }
        }
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String signingInput = b64.encodeToString(JSON.writeValueAsBytes(header)) + "." + b64.encodeToString(JSON.writeValueAsBytes(claims));
        Signature rsa = Signature.getInstance("SHA256withRSA");
        rsa.initSign(key);
        rsa.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + b64.encodeToString(rsa.sign());
    }

    /** The key ID distribution derives from a public key (libtrust): base32 of 240 bits of its SPKI sha256. */
    private static String libtrustKeyId(PublicKey key) throws IOException {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            String b32 = base32(java.util.Arrays.copyOf(hash, 30));
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < b32.length(); i += 4) {
                out.append(i > 0 ? ":" : "").append(b32, i, Math.min(i + 4, b32.length()));
            }
            return out.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IOException(e);
        }
    }

    private static String base32(byte[] data) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder out = new StringBuilder();
        int buffer = 0;
        int bits = 0;
        for (byte b : data) {
            buffer = (buffer << 8) | (b & 0xff);
            bits += 8;
            while (bits >= 5) {
                out.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        if (bits > 0) {
            out.append(alphabet.charAt((buffer << (5 - bits)) & 31));
        }
        return out.toString();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
