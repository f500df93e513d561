package io.berth.protocol.oci.image;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PlatformTest {

    @ParameterizedTest
    @CsvSource({
            "linux/aarch64, linux/arm64/v8",
            "linux/arm64, linux/arm64/v8",
            "linux/arm64/8, linux/arm64/v8",
            "linux/x86_64, linux/amd64",
            "linux/armhf, linux/arm/v7",
            "linux/armel, linux/arm/v6",
            "linux/arm, linux/arm/v7",
            "linux/arm/6, linux/arm/v6",
            "linux/i386, linux/386",
    })
    void normalisesAsDockerAndContainerdDo(String given, String expected) {
        assertThat(Platform.parse(given)).hasToString(expected);
    }

    @ParameterizedTest
    @CsvSource({
            "linux/arm64/v8, linux/arm64, true",
            "linux/arm/v7, linux/arm/v6, true",
            "linux/arm/v6, linux/arm/v7, false",
            "linux/amd64, linux/arm64, false",
            "linux/amd64, windows/amd64, false",
            "linux/amd64, linux/amd64/v1, true",
    })
    void matchesCompatibleVariants(String host, String image, boolean runs) {
        assertThat(Platform.parse(host).matches(Platform.parse(image))).isEqualTo(runs);
    }

    @Test
    void indexSelectsTheClosestArmVariant() {
        Digest v5 = Digest.sha256(new byte[]{5});
        Digest v6 = Digest.sha256(new byte[]{6});
        Digest v7 = Digest.sha256(new byte[]{7});
        Digest amd = Digest.sha256(new byte[]{8});
        ImageIndex index = new ImageIndex(2, MediaTypes.OCI_INDEX, List.of(
                Descriptor.of(MediaTypes.OCI_MANIFEST, amd, 1).withPlatform(Platform.of("linux", "amd64", null)),
                Descriptor.of(MediaTypes.OCI_MANIFEST, v5, 1).withPlatform(Platform.of("linux", "arm", "v5")),
                Descriptor.of(MediaTypes.OCI_MANIFEST, v7, 1).withPlatform(Platform.of("linux", "arm", "v7")),
                Descriptor.of(MediaTypes.OCI_MANIFEST, v6, 1).withPlatform(Platform.of("linux", "arm", "v6"))), Map.of());
        assertThat(index.select(Platform.parse("linux/arm/v7")).orElseThrow().digest()).isEqualTo(v7);
        assertThat(index.select(Platform.parse("linux/arm/v6")).orElseThrow().digest()).isEqualTo(v6);
        assertThat(index.select(Platform.parse("linux/amd64")).orElseThrow().digest()).isEqualTo(amd);
        assertThat(index.select(Platform.parse("linux/arm64"))).isEmpty();
    }
}
