package io.berth.ops.image;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code berth image}: the local image store and the registries it pulls from and pushes to. */
@Command(name = "image", description = "Pull, push, list, check and manage images in the local store.",
        subcommands = {PullCommand.class, PushCommand.class, ListCommand.class, InspectCommand.class, RemoveCommand.class,
                ImportCommand.class, ExportCommand.class, PruneCommand.class, CheckCommand.class, CommandLine.HelpCommand.class})
public final class ImageCommand {
}
