package io.berth.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.runtime.linux.Linux;
import io.berth.runtime.linux.SyscallException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** process.terminal: the pty master goes over --console-socket with SCM_RIGHTS, as runc sends it. */
class ConsoleTest extends RuntimeTestSupport {
    private final Linux linux = Linux.get();

    @Test
    void sendsThePtyMasterOverTheConsoleSocket() throws Exception {
        Path socket = tmp.resolve("console.sock");
        int listener = linux.listenUnix(socket);
        try {
            String id = newId();
            Path b = bundle(List.of("sh", "-c", "tty; stty size; echo done"), s -> {
                process(s).put("terminal", true);
                process(s).putObject("consoleSize").put("height", 30).put("width", 100);
            });
            runtime.create(new CreateOptions(id, b, socket, null, 0, false, false, Stdio.discard()));
            int conn = linux.accept(listener);
            int master = linux.receiveFd(conn);
            linux.closeQuietly(conn);
            assertThat(master).isNotNegative();
            runtime.start(id);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                while (true) {
                    byte[] b2 = linux.read(master, 4096);
                    if (b2.length == 0) {
                        break;
                    }
                    out.write(b2);
                }
            } catch (SyscallException e) {
                assertThat(e.errno()).isEqualTo(5);  // EIO: the last slave fd closed
            } finally {
                linux.closeQuietly(master);
            }
            assertThat(runtime.exitFuture(id).get(10, TimeUnit.SECONDS).exitCode()).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("/dev/pts/0\r\n30 100\r\ndone\r\n");
        } finally {
            linux.closeQuietly(listener);
        }
    }

    @Test
    void execGetsItsOwnTerminal() throws Exception {
        String id = started(bundle("sleep", "30"));
        Path socket = tmp.resolve("exec.sock");
        int listener = linux.listenUnix(socket);
        try {
            var process = new io.berth.protocol.oci.runtime.RuntimeSpec.Process(true, null,
                    new io.berth.protocol.oci.runtime.RuntimeSpec.User(0L, 0L, null, null, null),
                    List.of("sh", "-c", "tty; echo $TERM"), null, List.of("PATH=/bin", "TERM=dumb"), "/", null, null,
                    true, null, null, null);
            ExecProcess p = runtime.exec(id, process, new ExecOptions(socket, null, 0, Stdio.discard()));
            int conn = linux.accept(listener);
            int master = linux.receiveFd(conn);
            linux.closeQuietly(conn);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                while (true) {
                    byte[] b = linux.read(master, 4096);
                    if (b.length == 0) {
                        break;
                    }
                    out.write(b);
                }
            } catch (SyscallException e) {
                assertThat(e.errno()).isEqualTo(5);
            } finally {
                linux.closeQuietly(master);
            }
            assertThat(p.exit().get(10, TimeUnit.SECONDS).exitCode()).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).matches("/dev/pts/\\d+\r\ndumb\r\n");
        } finally {
            linux.closeQuietly(listener);
        }
    }

    @Test
    void aTerminalWithoutAConsoleSocketIsRefused() {
        String id = newId();
        Path b = bundle(List.of("true"), s -> process(s).put("terminal", true));
        assertThatThrownBy(() -> runtime.create(CreateOptions.of(id, b, Stdio.discard())))
                .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("console socket");
        assertThat(stateRoot.resolve(id)).doesNotExist();
    }
}
