package io.berth.protocol.oci.image;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DigestTest {

    private static final String EMPTY = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    @Test
    void parsesAndPrintsSha256() {
        Digest d = Digest.parse(EMPTY);
        assertThat(d.algorithm()).isEqualTo("sha256");
        assertThat(d).hasToString(EMPTY).isEqualTo(Digest.sha256(new byte[0]));
        assertThat(d.shortHex()).isEqualTo("e3b0c44298fc");
    }

    @Test
    void errorsNameTheBadValue() {
        assertThatThrownBy(() -> Digest.parse("sha256:ABC")).hasMessageContaining("sha256:ABC").hasMessageContaining("64 lowercase hex");
        assertThatThrownBy(() -> Digest.parse("md5:abc")).hasMessageContaining("md5:abc").hasMessageContaining("unsupported algorithm");
        assertThatThrownBy(() -> Digest.parse("nocolon")).hasMessageContaining("'nocolon'");
        assertThatThrownBy(() -> Digest.parse(null)).hasMessageContaining("missing");
    }

    @Test
    void roundTripsThroughJsonAsAString() {
        Descriptor d = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.parse(EMPTY), 0);
        String json = new String(OciJson.write(d), StandardCharsets.UTF_8);
        assertThat(json).contains("\"digest\":\"" + EMPTY + "\"").as("a zero size is still written").contains("\"size\":0");
        assertThat(OciJson.read(json.getBytes(StandardCharsets.UTF_8), Descriptor.class, "test")).isEqualTo(d);
    }
}
