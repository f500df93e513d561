package io.berth.storage.image.unpack;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.Map;

/**
 * The uncompressed layer tar as the tar reader consumes it: every byte goes through the diffID digest
 * ({@link #skip} reads too, so skipped entry data is hashed), and the PAX extended headers are parsed here
 * from their raw bytes, because commons-compress decodes PAX values as UTF-8 and so mangles binary xattr
 * values such as {@code security.capability}. {@link #xattrs()} gives the raw {@code SCHILY.xattr.*}
 * values of the entry whose header was consumed last, checked against the entry commons-compress returned.
 *
 * <p>It follows the tar structure by header sizes (with a PAX {@code size} override). Old GNU sparse
 * headers ({@code S}) carry extension blocks it does not follow, so after one (or any disagreement with
 * commons-compress) it stops parsing and {@link #xattrs} returns null: the caller falls back to
 * commons-compress's values.
 */
final class TarStream extends FilterInputStream {

    private static final String XATTR = "SCHILY.xattr.";
    private static final int BLOCK = 512;

    private final MessageDigest digest;
    private final byte[] header = new byte[BLOCK];
    private int headerFill;
    private long dataLeft;
    private ByteArrayOutputStream special;
    private byte specialType;
    private long specialLeft;
    private Map<String, byte[]> pendingXattrs = new HashMap<>();
    private Long pendingSize;
    private String pendingName;
    private Map<String, byte[]> current = Map.of();
    private byte lastType;
    private long lastSize;
    private boolean lost;

    TarStream(InputStream in, MessageDigest digest) {
        super(in);
        this.digest = digest;
    }

    /**
     * The raw xattrs of {@code entry}, which commons-compress has just returned; null when this parse and
     * commons-compress's disagree on the entry's type or size, or the structure could not be followed.
     */
    Map<String, byte[]> xattrs(org.apache.commons.compress.archivers.tar.TarArchiveEntry entry) {
        if (lost || entry.getLinkFlag() != lastType || entry.getSize() != lastSize) {
            lost = true;
            return null;
        }
        return current;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) {
            consume(new byte[]{(byte) b}, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) {
            consume(b, off, n);
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 1 << 16)];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void consume(byte[] b, int off, int len) {
        digest.update(b, off, len);
        while (len > 0 && !lost) {
            if (dataLeft == 0) {
                int n = Math.min(len, BLOCK - headerFill);
                System.arraycopy(b, off, header, headerFill, n);
                headerFill += n;
                off += n;
                len -= n;
                if (headerFill == BLOCK) {
                    headerFill = 0;
                    onHeader();
                }
            } else {
                int n = (int) Math.min(len, dataLeft);
                if (special != null && specialLeft > 0) {
                    int take = (int) Math.min(n, specialLeft);
                    special.write(b, off, take);
                    specialLeft -= take;
                }
                dataLeft -= n;
                off += n;
                len -= n;
                if (dataLeft == 0) {
                    onDataEnd();
                }
            }
        }
    }

    private void onHeader() {
        boolean zero = true;
        for (byte x : header) {
            if (x != 0) {
                zero = false;
                break;
            }
        }
        if (zero) {
            return; // end-of-archive blocks
        }
        byte type = header[156];
        long size = size();
        if (size < 0 || type == 'S') {
            lost = true;
            return;
        }
        switch (type) {
            case 'x', 'L' -> {
                special = new ByteArrayOutputStream();
                specialType = type;
                specialLeft = size;
            }
            case 'g', 'K' -> { }
            default -> {
                if (pendingSize != null) {
                    size = pendingSize;
                }
                boolean slash = pendingName != null ? pendingName.endsWith("/") : ustarNameEndsWithSlash();
                if (type == '5' || slash) {
                    // commons-compress reads no data for a directory; one that declares data is malformed
                    // enough not to trust this parse.
                    lost |= size > 0;
                    size = 0;
                }
                current = pendingXattrs;
                lastType = type;
                lastSize = size;
                pendingXattrs = new HashMap<>();
                pendingSize = null;
                pendingName = null;
            }
        }
        dataLeft = (size + BLOCK - 1) / BLOCK * BLOCK;
        if (dataLeft == 0) {
            onDataEnd();
        }
    }

    private boolean ustarNameEndsWithSlash() {
        int end = 0;
        while (end < 100 && header[end] != 0) {
            end++;
        }
        return end > 0 && header[end - 1] == '/';
    }

    private void onDataEnd() {
        if (special != null) {
            byte[] data = special.toByteArray();
            if (specialType == 'x') {
                parsePax(data);
            } else {
                int end = 0;
                while (end < data.length && data[end] != 0) {
                    end++;
                }
                pendingName = new String(data, 0, end, StandardCharsets.UTF_8);
            }
            special = null;
        }
    }

    /** PAX records: "<length> <key>=<value>\n", the length counting the whole record. */
    private void parsePax(byte[] data) {
        int pos = 0;
        while (pos < data.length) {
            int space = pos;
            while (space < data.length && data[space] != ' ') {
                space++;
            }
            int length;
            try {
                length = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return; // malformed: commons-compress reports it
            }
            int end = pos + length;
            if (length <= 0 || end > data.length) {
                return;
            }
            int eq = space + 1;
            while (eq < end && data[eq] != '=') {
                eq++;
            }
            if (eq >= end) {
                return;
            }
            String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
            byte[] value = java.util.Arrays.copyOfRange(data, eq + 1, end - 1);
            if (key.equals("path")) {
                pendingName = new String(value, StandardCharsets.UTF_8);
            } else if (key.startsWith(XATTR)) {
                pendingXattrs.put(key.substring(XATTR.length()), value);
            } else if (key.equals("size")) {
                try {
                    pendingSize = Long.parseLong(new String(value, StandardCharsets.US_ASCII).trim());
                } catch (NumberFormatException e) {
                    lost = true;
                }
            }
            pos = end;
        }
    }

    /** The size field: octal text, or base-256 when its first byte has the high bit set. */
    private long size() {
        if ((header[124] & 0x80) != 0) {
            long v = header[124] & 0x7f;
            for (int i = 125; i < 136; i++) {
                v = (v << 8) | (header[i] & 0xff);
            }
            return v;
        }
        long v = 0;
        for (int i = 124; i < 136; i++) {
            byte c = header[i];
            if (c == 0 || c == ' ') {
                if (v > 0) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                return -1;
            }
            v = v * 8 + (c - '0');
        }
        return v;
    }
}
