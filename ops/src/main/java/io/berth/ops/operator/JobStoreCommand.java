package io.berth.ops.operator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.berth.ops.cli.ApiClient;
import io.berth.ops.cli.ApiCommand;
import io.berth.ops.cli.ApiException;
import io.berth.ops.cli.ApiUnreachableException;
import io.berth.ops.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code berth job-store}: a snapshot of every job with all its versions to a file, and its restore. */
@Command(name = "job-store", description = "Save every job with all its versions to a file, or register them again.",
        subcommands = {JobStoreCommand.Snapshot.class, JobStoreCommand.Restore.class, CommandLine.HelpCommand.class})
public final class JobStoreCommand {

    private static final ObjectMapper JSON = new ObjectMapper();

    private JobStoreCommand() {}

    /** {@code berth job-store snapshot FILE}. */
    @Command(name = "snapshot", description = {"Write every job with all its versions (oldest first) to FILE as JSON "
            + "(mode 0600: specs may carry secrets). Needs a management token."})
    static final class Snapshot extends ApiCommand {
        @Parameters(paramLabel = "FILE", description = "Where to write the snapshot (replaced atomically).")
        Path file;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException, IOException {
            JsonNode snapshot = client.get("/v1/operator/snapshot").body();
            Path dir = file.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.write(tmp, JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(snapshot));
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(tmp);
            }
            int versions = 0;
            for (JsonNode job : snapshot.path("jobs")) {
                versions += job.path("versions").size();
            }
            out().printf("%d jobs (%d versions) written to %s%n", snapshot.path("jobs").size(), versions, file);
            return ExitCodes.OK;
        }
    }

    /** {@code berth job-store restore FILE}. */
    @Command(name = "restore", description = {"Register every job of a snapshot again, its versions in order (each "
            + "gets a new version number), and stop the jobs that were stopped. Meant for an empty cluster: a job "
            + "that exists gets the snapshot's versions on top of its own. Needs a management token."})
    static final class Restore extends ApiCommand {
        @Parameters(paramLabel = "FILE", description = "A file written by `berth job-store snapshot`.")
        Path file;

        @Override
        protected int run(ApiClient client) throws ApiException, ApiUnreachableException, IOException {
            List<SnapshotJob> jobs = read(file);
            int versions = 0;
            for (SnapshotJob job : jobs) {
                for (JsonNode spec : job.specs()) {
                    client.post("/v1/jobs", spec);
                    versions++;
                }
                if (job.stopped()) {
                    client.delete("/v1/jobs/" + ApiClient.encode(job.id()) + "?purge=false");
                }
            }
            out().printf("%d jobs (%d versions) restored from %s%n", jobs.size(), versions, file);
            return ExitCodes.OK;
        }
    }

    /** One job of a snapshot: its specs oldest first. */
    record SnapshotJob(String id, boolean stopped, List<JsonNode> specs) {}

    /**
     * Reads and checks a snapshot before anything is registered.
     *
     * @throws IllegalArgumentException naming the file and the line (malformed JSON) or the field that is wrong
     */
    static List<SnapshotJob> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(file + ": no such file");
        }
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(file + ": line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ": malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.path("jobs").isArray()) {
            throw bad(file, "jobs", "missing: a snapshot is {\"jobs\": [...]} as `berth job-store snapshot` writes it");
        }
        List<SnapshotJob> jobs = new ArrayList<>();
        for (int i = 0; i < root.path("jobs").size(); i++) {
            JsonNode job = root.path("jobs").get(i);
            String at = "jobs[" + i + "]";
            if (!job.path("id").isTextual() || job.path("id").asText().isEmpty()) {
                throw bad(file, at + ".id", "missing or not a string");
            }
            if (!job.path("stopped").isBoolean()) {
                throw bad(file, at + ".stopped", "missing or not true/false");
            }
            JsonNode versions = job.path("versions");
            if (!versions.isArray() || versions.isEmpty()) {
                throw bad(file, at + ".versions", "missing or empty: a job has at least one version");
            }
            List<JsonNode> specs = new ArrayList<>();
            for (int v = 0; v < versions.size(); v++) {
                JsonNode spec = versions.get(v).path("spec");
                if (!spec.isObject()) {
                    throw bad(file, at + ".versions[" + v + "].spec", "missing or not a job spec object");
                }
                if (!job.path("id").asText().equals(spec.path("id").asText())) {
                    throw bad(file, at + ".versions[" + v + "].spec.id", "'" + spec.path("id").asText()
                            + "' is not the job's id '" + job.path("id").asText() + "'");
                }
                specs.add(spec);
            }
            jobs.add(new SnapshotJob(job.path("id").asText(), job.path("stopped").asBoolean(), specs));
        }
        return jobs;
    }

    private static IllegalArgumentException bad(Path file, String field, String message) {
        return new IllegalArgumentException(file + ": " + field + ": " + message);
    }
}
