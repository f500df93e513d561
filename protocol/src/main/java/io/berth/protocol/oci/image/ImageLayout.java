package io.berth.protocol.oci.image;

/**
 * The {@code oci-layout} file at the root of an OCI image layout.
 *
 * @param imageLayoutVersion {@code 1.0.0}
 */
public record ImageLayout(String imageLayoutVersion) {

    public static final String FILE_NAME = "oci-layout";
    public static final String VERSION = "1.0.0";

    public static ImageLayout current() {
        return new ImageLayout(VERSION);
    }
}
