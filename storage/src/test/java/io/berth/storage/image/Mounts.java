package io.berth.storage.image;

import io.berth.storage.content.Tmpfs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Mounts a {@link RootfsMount} with the real mount(8), as the agent will, and unmounts it on close. */
public final class Mounts implements AutoCloseable {

    private final Path target;

    private Mounts(Path target) {
        this.target = target;
    }

    public static Mounts mount(RootfsMount rootfs, Path target) throws IOException, InterruptedException {
        Files.createDirectories(target);
        Tmpfs.run(rootfs.mountCommand(target).toArray(String[]::new));
        return new Mounts(target);
    }

    public Path dir() {
        return target;
    }

    @Override
    public void close() throws IOException, InterruptedException {
        Tmpfs.run("umount", target.toString());
    }
}
