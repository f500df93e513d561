package io.berth.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.runtime.ContainerRuntimeException;
import java.nio.file.NoSuchFileException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    @Test
    void berthsOwnExceptionsShowTheirMessageOnOneLine() {
        assertThat(Errors.oneLine(new CompletionException(new ContainerRuntimeException("hook failed:\n  exit status 1"))))
                .isEqualTo("hook failed:; exit status 1");
    }

    @Test
    void unanticipatedExceptionsKeepTheirType() {
        assertThat(Errors.oneLine(new NullPointerException("x is null"))).isEqualTo("java.lang.NullPointerException: x is null");
    }

    @Test
    void missingFilesSaySo() {
        assertThat(Errors.oneLine(new NoSuchFileException("/b/config.json"))).isEqualTo("/b/config.json: no such file or directory");
    }
}
