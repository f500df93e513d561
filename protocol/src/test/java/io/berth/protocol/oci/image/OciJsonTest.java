package io.berth.protocol.oci.image;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class OciJsonTest {

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsDockerSchema2ManifestIgnoringUnknownFields() {
        Manifest m = OciJson.manifest(json("""
                {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","x-extra":1,
                 "config":{"mediaType":"application/vnd.docker.container.image.v1+json","size":7023,
                   "digest":"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},
                 "layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar.gzip","size":32654,
                   "digest":"sha256:e692418e4cbaf90ca69d05a66403747baa33ee08806650b51fab815ad7fc331f"}]}"""), "test");
        assertThat(m.config().mediaType()).isEqualTo(MediaTypes.DOCKER_CONFIG);
        assertThat(m.layers()).hasSize(1);
        assertThat(MediaTypes.isLayer(m.layers().get(0).mediaType())).isTrue();
    }

    @Test
    void badDocumentsNameThePathAndLine() {
        assertThatThrownBy(() -> OciJson.manifest(json("{\"schemaVersion\":2,\n\"config\":{\"mediaType\":\"x\",\"size\":1,\"digest\":\"sha256:zz\"}}"), "manifest X"))
                .hasMessageContaining("manifest X").hasMessageContaining("config.digest").hasMessageContaining("line 2")
                .hasMessageContaining("sha256:zz");
        assertThatThrownBy(() -> OciJson.manifest(json("{\"schemaVersion\":1}"), "m")).hasMessageContaining("schemaVersion");
        assertThatThrownBy(() -> OciJson.manifest(json("{\"schemaVersion\":2}"), "m")).hasMessageContaining("manifest.config: missing");
        assertThatThrownBy(() -> OciJson.index(json("{not json"), "idx")).hasMessageContaining("idx: not valid JSON");
        assertThatThrownBy(() -> OciJson.config(json("{\"architecture\":\"amd64\",\"os\":\"linux\"}"), "c"))
                .hasMessageContaining("config.rootfs: missing");
    }

    @Test
    void readsConfigDiffIds() {
        ImageConfig c = OciJson.config(json("""
                {"architecture":"arm64","os":"linux","variant":"v8","config":{"Env":["A=1"],"Cmd":["sh"]},
                 "rootfs":{"type":"layers","diff_ids":["sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"]}}"""), "c");
        assertThat(c.rootfs().diffIds()).hasSize(1);
        assertThat(c.config().cmd()).containsExactly("sh");
        assertThat(c.platform().normalize()).hasToString("linux/arm64/v8");
    }
}
