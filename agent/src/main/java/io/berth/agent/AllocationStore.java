package io.berth.agent;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * The agent's allocations in its own RocksDB, one JSON value per allocation id. Every write is synced to
 * disk before it returns, so what the agent acted on survives a crash of the agent or the machine.
 *
 * <p>Thread-safe (RocksDB is); the agent uses it from its actor only. Failures are {@link IOException}s
 * naming the database directory.
 */
final class AllocationStore implements AutoCloseable {
    static {
        RocksDB.loadLibrary();
    }

    /** Durations (restart policies, timeouts) and instants (placement facts) as ISO-8601 text. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(asText(asText(new SimpleModule("berth-agent-time"), Duration.class, Duration::parse),
                    Instant.class, Instant::parse))
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private final Path dir;
    private final Options options;
    private final RocksDB db;
    private final WriteOptions sync = new WriteOptions().setSync(true);

    private AllocationStore(Path dir, Options options, RocksDB db) {
        this.dir = dir;
        this.options = options;
        this.db = db;
    }

    /** Opens (creating) the database in {@code dir}. */
    static AllocationStore open(Path dir) throws IOException {
        Files.createDirectories(dir);
        Options options = new Options().setCreateIfMissing(true);
        try {
            return new AllocationStore(dir, options, RocksDB.open(options, dir.toString()));
        } catch (RocksDBException e) {
            options.close();
            throw new IOException("cannot open the allocation database " + dir + ": " + e.getMessage(), e);
        }
    }

    void put(Allocation a) throws IOException {
        try {
            db.put(sync, key(a.allocationId()), JSON.writeValueAsBytes(a));
        } catch (RocksDBException e) {
            throw new IOException("cannot write allocation " + a.allocationId() + " to " + dir + ": " + e.getMessage(), e);
        }
    }

    void delete(String allocationId) throws IOException {
        try {
            db.delete(sync, key(allocationId));
        } catch (RocksDBException e) {
            throw new IOException("cannot delete allocation " + allocationId + " from " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Every stored allocation, ordered by id. */
    List<Allocation> all() throws IOException {
        List<Allocation> out = new ArrayList<>();
        try (RocksIterator it = db.newIterator()) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                out.add(JSON.readValue(it.value(), Allocation.class));
            }
        }
        return out;
    }

    private static <T> SimpleModule asText(SimpleModule module, Class<T> type, Function<String, T> parse) {
        return module.addSerializer(type, new JsonSerializer<>() {
            @Override
            public void serialize(T value, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(value.toString());
            }
        }).addDeserializer(type, new JsonDeserializer<>() {
            @Override
            public T deserialize(JsonParser p, DeserializationContext c) throws IOException {
                return parse.apply(p.getValueAsString());
            }
        });
    }

    private static byte[] key(String allocationId) {
        return allocationId.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        sync.close();
        db.close();
        options.close();
    }
}
