package io.berth.ops.tls;

import io.berth.scheduler.cluster.TlsSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A Berth cluster's certificate authority on disk, and the node certificates it signs. The layout under the
 * directory:
 * <ul>
 *   <li>{@code ca/ca.p12}, {@code ca/password}: the CA's key and certificate; stays with the operator, on no node</li>
 *   <li>{@code ca/ca.crt}: the CA's certificate in PEM (an HTTPS client's trust, e.g. {@code curl --cacert})</li>
 *   <li>{@code nodes/NAME/}: what node NAME needs ({@link TlsSettings}: {@code node.p12}, {@code truststore.p12},
 *       {@code password}) and {@code ca.crt}; copied to the node and given as {@code --tls-dir}</li>
 * </ul>
 * Keys are ECDSA P-256; node certificates carry the subject alternative names they are reached at and both the
 * server and the client extended key usage (a node is both in Artery's mutual authentication). Every file is
 * written owner-only (0600, directories 0700) through a temporary file and a rename, so a crash leaves either
 * the old file or the new one. Not thread-safe.
 */
public final class CertificateAuthority {
    /** The node name's form: that of {@code berth.cluster.node-name}. */
    private static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern DNS = Pattern.compile(
            "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*");
    private static final String SIGNATURE = "SHA256withECDSA";
    /** A certificate is valid from a little before it is made: the clocks of the nodes are not exactly alike. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final PrivateKey key;
    private final X509Certificate certificate;

    private CertificateAuthority(Path dir, PrivateKey key, X509Certificate certificate) {
        this.dir = dir;
        this.key = key;
        this.certificate = certificate;
    }

    /**
     * Makes a new CA under {@code dir/ca}.
     *
     * @param name     the CA's common name
     * @param validity how long its certificate is valid; node certificates cannot outlive it
     * @param force    replace a CA that is there (every node certificate must then be issued anew)
     * @throws IllegalArgumentException when a CA is there and {@code force} is false, or an argument is wrong
     */
    public static CertificateAuthority create(Path dir, String name, Duration validity, boolean force)
            throws IOException {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("--ca-name: must not be empty");
        }
        requirePositive("--ca-days", validity);
        Path ca = dir.resolve("ca");
        Path store = ca.resolve("ca.p12");
        if (Files.exists(store) && !force) {
            throw new IllegalArgumentException(store + " exists: there is a CA already. Add a node with "
                    + "`berth tls cert`, or give --force to replace the CA (then issue every node's certificate anew)");
        }
        try {
            KeyPair pair = newKeyPair();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Berth")
                    .addRDN(BCStyle.CN, name).build();
            Instant now = Instant.now();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(pair.getPublic()));
            X509Certificate cert = sign(builder, pair.getPrivate());
            char[] password = newPassword();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("ca", pair.getPrivate(), password, new Certificate[] {cert});
            createPrivateDirectories(ca);
            writePrivate(ca.resolve("password"), (new String(password) + "\n").getBytes(StandardCharsets.UTF_8));
            writePrivate(store, storeBytes(ks, password));
            writePrivate(ca.resolve("ca.crt"), pem(cert));
            return new CertificateAuthority(dir, pair.getPrivate(), cert);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot make the CA: " + e, e);
        }
    }

    /**
     * The CA under {@code dir/ca} that {@link #create} made.
     *
     * @throws IllegalArgumentException when there is none or it cannot be read
     */
    public static CertificateAuthority load(Path dir) throws IOException {
        Path ca = dir.resolve("ca");
        Path store = ca.resolve("ca.p12");
        if (!Files.isRegularFile(store)) {
            throw new IllegalArgumentException("--dir: " + dir + " has no CA (" + store + "): make one with "
                    + "`berth tls init --dir " + dir + "`");
        }
        char[] password = Files.readString(ca.resolve("password"), StandardCharsets.UTF_8).strip().toCharArray();
        try (InputStream in = Files.newInputStream(store)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            return new CertificateAuthority(dir, (PrivateKey) ks.getKey("ca", password),
                    (X509Certificate) ks.getCertificate("ca"));
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(store + ": cannot read the CA: " + e.getMessage(), e);
        }
    }

    /** The CA's certificate. */
    public X509Certificate certificate() {
        return certificate;
    }

    /**
     * Issues a certificate for node {@code node} and writes its directory {@code nodes/NAME}.
     *
     * @param sans     the IP addresses and DNS names the node is reached at (its {@code berth.cluster.host}
     *                 at least); other nodes check the address they connect to against these
     * @param validity how long the certificate is valid, at most until the CA's expires
     * @param force    replace the node's certificate if it has one
     * @return the node's directory
     * @throws IllegalArgumentException naming the option that is wrong, or when the node has a certificate and
     *                                  {@code force} is false
     */
    public Path issue(String node, List<String> sans, Duration validity, boolean force) throws IOException {
        if (node == null || !NODE_NAME.matcher(node).matches()) {
            throw new IllegalArgumentException("--node: '" + node + "' is not a node name (letters, digits, - _ ., "
                    + "at most 128; as berth.cluster.node-name)");
        }
        List<GeneralName> names = generalNames(sans);
        requirePositive("--days", validity);
        Instant now = Instant.now();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(certificate.getNotAfter().toInstant())) {
            throw new IllegalArgumentException("--days: the certificate would outlive the CA, which expires "
                    + certificate.getNotAfter().toInstant() + ": give fewer days");
        }
        Path out = dir.resolve("nodes").resolve(node);
        if (Files.exists(out.resolve(TlsSettings.KEY_STORE)) && !force) {
            throw new IllegalArgumentException(out.resolve(TlsSettings.KEY_STORE) + " exists: node " + node
                    + " has a certificate; give --force to replace it");
        }
        try {
            KeyPair pair = newKeyPair();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Berth")
                    .addRDN(BCStyle.CN, node).build();
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate, serial(),
                    Date.from(now.minus(BACKDATE)), Date.from(notAfter), subject, pair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(pair.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate));
            X509Certificate cert = sign(builder, key);
            char[] password = newPassword();
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            keys.setKeyEntry("node", pair.getPrivate(), password, new Certificate[] {cert, certificate});
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("berth-ca", certificate);
            createPrivateDirectories(out);
            // the password first: a crash before the stores leaves a directory TlsSettings refuses, not a mismatch
            writePrivate(out.resolve(TlsSettings.PASSWORD),
                    (new String(password) + "\n").getBytes(StandardCharsets.UTF_8));
            writePrivate(out.resolve(TlsSettings.TRUST_STORE), storeBytes(trust, password));
            writePrivate(out.resolve("ca.crt"), pem(certificate));
            writePrivate(out.resolve(TlsSettings.KEY_STORE), storeBytes(keys, password));
            return out;
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException("cannot issue the certificate of " + node + ": " + e, e);
        }
    }

    /**
     * The subject alternative names: IPv4 and IPv6 literals as IP addresses, anything else as a DNS name.
     *
     * @throws IllegalArgumentException naming the {@code --san} that is neither
     */
    static List<GeneralName> generalNames(List<String> sans) {
        if (sans == null || sans.isEmpty()) {
            throw new IllegalArgumentException("--san: at least one: the address (IP or DNS name) other nodes reach "
                    + "this node at, its berth.cluster.host");
        }
        List<GeneralName> names = new ArrayList<>();
        for (String san : new LinkedHashSet<>(sans)) {
            String s = san.strip();
            if (s.contains(":") || IPV4.matcher(s).matches()) {
                names.add(new GeneralName(GeneralName.iPAddress, ipLiteral(s)));
            } else if (DNS.matcher(s).matches() && !s.matches(".*\\.\\d+$") && !s.matches("\\d+")) {
                names.add(new GeneralName(GeneralName.dNSName, s.toLowerCase(Locale.ROOT)));
            } else {
                throw new IllegalArgumentException("--san: '" + san + "' is neither an IP address nor a DNS name");
            }
        }
        return names;
    }

    private static String ipLiteral(String s) {
        String literal = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        if (!literal.contains(":")) {
            for (String part : literal.split("\\.")) {
                if (Integer.parseInt(part) > 255) {
                    throw new IllegalArgumentException("--san: '" + s + "' is not an IPv4 address (" + part
                            + " > 255)");
                }
            }
        } else if (!literal.matches("[0-9A-Fa-f:.]+")) {
            // InetAddress would look a name up; only literals belong here
            throw new IllegalArgumentException("--san: '" + s + "' is not an IPv6 address");
        }
        try {
            return InetAddress.getByName(literal).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--san: '" + s + "' is not an IP address", e);
        }
    }

    private static void requirePositive(String option, Duration validity) {
        if (validity == null || validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException(option + ": must be at least 1");
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey key)
            throws OperatorCreationException, GeneralSecurityException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder(SIGNATURE).build(key)));
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }

    private static char[] newPassword() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes).toCharArray();
    }

    private static byte[] storeBytes(KeyStore store, char[] password) throws GeneralSecurityException, IOException {
        var out = new ByteArrayOutputStream();
        store.store(out, password);
        return out.toByteArray();
    }

    static byte[] pem(X509Certificate cert) throws GeneralSecurityException {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(cert.getEncoded());
        return ("-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static void createPrivateDirectories(Path dir) throws IOException {
        Path absolute = dir.toAbsolutePath();
        for (int i = 1; i <= absolute.getNameCount(); i++) {
            Path p = absolute.getRoot().resolve(absolute.subpath(0, i));
            if (!Files.isDirectory(p)) {
                try {
                    Files.createDirectory(p, PosixFilePermissions.asFileAttribute(
                            PosixFilePermissions.fromString("rwx------")));
                } catch (FileAlreadyExistsException e) {
                    if (!Files.isDirectory(p)) {
                        throw new IllegalArgumentException("--dir: " + p + " is a file, not a directory", e);
                    }
                }
            }
        }
    }

    /** Writes owner-only through a temporary file and a rename: a crash leaves the old file or the new one. */
    private static void writePrivate(Path file, byte[] bytes) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream out = Files.newOutputStream(tmp)) {
            out.write(bytes);
        }
        try (var channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
