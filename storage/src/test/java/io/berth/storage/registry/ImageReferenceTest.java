package io.berth.storage.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ImageReferenceTest {

    private static final String D = "sha256:" + "ab".repeat(32);

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(nullValues = "-", value = {
            "busybox,                              docker.io,        library/busybox,  latest, -",
            "busybox:1.36,                         docker.io,        library/busybox,  1.36,   -",
            "library/busybox,                      docker.io,        library/busybox,  latest, -",
            "docker.io/busybox,                    docker.io,        library/busybox,  latest, -",
            "index.docker.io/library/busybox:1,    docker.io,        library/busybox,  1,      -",
            "registry-1.docker.io/user/app,        docker.io,        user/app,         latest, -",
            "user/app:v2,                          docker.io,        user/app,         v2,     -",
            "ghcr.io/org/team/app:v1.2-rc_3,       ghcr.io,          org/team/app,     v1.2-rc_3, -",
            "localhost/app,                        localhost,        app,              latest, -",
            "localhost:5000/app:x,                 localhost:5000,   app,              x,      -",
            "127.0.0.1:5000/a/b,                   127.0.0.1:5000,   a/b,              latest, -",
            "Registry.Example.com/a__b/c-d.e,      registry.example.com, a__b/c-d.e,   latest, -",
    })
    void parsesAndNormalisesLikeDocker(String text, String registry, String repository, String tag, String digest) {
        ImageReference ref = ImageReference.parse(text);
        assertThat(ref.registry()).isEqualTo(registry);
        assertThat(ref.repository()).isEqualTo(repository);
        assertThat(ref.tag()).isEqualTo(tag);
        assertThat(ref.digest()).isNull();
    }

    @org.junit.jupiter.api.Test
    void keepsDigestsAndTagsTogetherAndUsesTheDigestForTheApi() {
        ImageReference byDigest = ImageReference.parse("busybox@" + D);
        assertThat(byDigest.tag()).isNull();
        assertThat(byDigest.apiReference()).isEqualTo(D);
        assertThat(byDigest.toString()).isEqualTo("docker.io/library/busybox@" + D);
        ImageReference both = ImageReference.parse("127.0.0.1:5000/app:v1@" + D);
        assertThat(both.tag()).isEqualTo("v1");
        assertThat(both.apiReference()).isEqualTo(D);
        assertThat(ImageReference.apiHost(ImageReference.parse("busybox").registry())).isEqualTo("registry-1.docker.io");
        assertThat(ImageReference.apiHost(ImageReference.parse("localhost:5000/app").registry())).isEqualTo("localhost:5000");
        assertThat(ImageReference.parse("app:" + "t".repeat(128)).tag()).hasSize(128);
        assertThatThrownBy(() -> ImageReference.parse("app:" + "t".repeat(129))).hasMessageContaining("not a valid tag");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
            "''                         | empty",
            "Busybox                    | upper-case",
            "docker.io/Library/busybox  | upper-case",
            "app:                       | not a valid tag",
            "app:-x                     | not a valid tag",
            "a//b                       | empty path component",
            "a/b/                       | empty path component",
            "a_-b                       | not a valid path component",
            "app@sha256:abc             | sha256 needs 64",
            "app@md5:0123456789abcdef0123456789abcdef | unsupported algorithm",
            "ex ample.com/app           | not a valid",
            ":tag                       | repository name is missing",
    })
    void rejectsBadReferencesSayingWhatIsWrong(String text, String problem) {
        assertThatThrownBy(() -> ImageReference.parse(text))
                .isInstanceOf(InvalidReferenceException.class)
                .hasMessageContaining("invalid image reference '" + text.trim() + "'")
                .hasMessageContaining(problem);
    }
}
