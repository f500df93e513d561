package io.berth.storage.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CredentialStoreTest {

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsBase64AuthAndUsernamePasswordEntriesKeyedByHostOrUrl(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, "{\"auths\":{"
                + "\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hubuser:hub:pw") + "\"},"
                + "\"ghcr.io\":{\"username\":\"gh\",\"password\":\"tok\"},"
                + "\"helper.example.com\":{}},\"credsStore\":\"desktop\"}");
        CredentialStore store = CredentialStore.fromDockerConfig(config);
        assertThat(store.forRegistry("docker.io")).contains(new Credentials("hubuser", "hub:pw"));
        assertThat(store.forRegistry("GHCR.io")).contains(new Credentials("gh", "tok"));
        assertThat(store.forRegistry("helper.example.com")).isEmpty();
        assertThat(store.with("ghcr.io", new Credentials("cli", "x")).forRegistry("ghcr.io")).contains(new Credentials("cli", "x"));
    }

    @Test
    void aMissingFileIsEmptyAndAMalformedOneNamesTheFileAndEntry(@TempDir Path dir) throws IOException {
        assertThat(CredentialStore.fromDockerConfig(dir.resolve("absent.json")).forRegistry("docker.io")).isEmpty();
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"auths\":{\"r.example.com\":{\"auth\":\"" + b64("nocolon") + "\"}}}");
        assertThatThrownBy(() -> CredentialStore.fromDockerConfig(bad))
                .hasMessageContaining(bad.toString()).hasMessageContaining("auths[\"r.example.com\"].auth");
        Files.writeString(bad, "{\"auths\": [");
        assertThatThrownBy(() -> CredentialStore.fromDockerConfig(bad)).hasMessageContaining("not valid JSON");
    }

    @Test
    void passwordsAreNotPrinted() {
        assertThat(new Credentials("u", "secret").toString()).doesNotContain("secret");
    }
}
