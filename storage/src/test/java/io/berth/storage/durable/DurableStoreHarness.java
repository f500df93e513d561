package io.berth.storage.durable;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.Props;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.cluster.ddata.DurableStore;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Drives a {@link RocksDbDurableStore} the way the replicator does, from a plain actor system: {@code LoadAll}
 * first, then {@code Store}s whose replies land in a queue. Closing terminates the system (which closes the store).
 */
final class DurableStoreHarness implements AutoCloseable {
    /** A replica address for building CRDTs without a cluster. */
    static final SelfUniqueAddress NODE =
            new SelfUniqueAddress(new UniqueAddress(new Address("pekko", "test", "127.0.0.1", 1), 1L));

    private final ActorSystem system;
    private final ActorRef store;
    private final ActorRef inbox;
    private final BlockingQueue<Object> received = new LinkedBlockingQueue<>();

    DurableStoreHarness(Path dir) {
        Config config = ConfigFactory.parseString("pekko.loglevel = WARNING").withFallback(ConfigFactory.load());
        system = ActorSystem.create("durable-test", config);
        inbox = system.actorOf(Props.create(Inbox.class, () -> new Inbox(received)), "inbox");
        Config durable = ConfigFactory.empty().withValue("rocksdb.dir", ConfigValueFactory.fromAnyRef(dir.toString()));
        store = system.actorOf(Props.create(RocksDbDurableStore.class, durable), "store");
    }

    /** Sends LoadAll and collects what comes back until LoadAllCompleted. */
    Map<String, DurableStore.DurableDataEnvelope> loadAll() throws InterruptedException {
        store.tell(DurableStore.LoadAll$.MODULE$, inbox);
        Map<String, DurableStore.DurableDataEnvelope> loaded = new HashMap<>();
        while (true) {
            Object message = next();
            if (message == DurableStore.LoadAllCompleted$.MODULE$) {
                return loaded;
            }
            loaded.putAll(CollectionConverters.asJava(((DurableStore.LoadData) message).data()));
        }
    }

    /** Stores {@code data} under {@code key}; the store answers {@code ack} (or {@code "failed " + ack}) to the inbox. */
    void store(String key, LWWMap<String, String> data, String ack) {
        store.tell(new DurableStore.Store(key, new DurableStore.DurableDataEnvelope(data),
                Option.apply(new DurableStore.StoreReply(ack, "failed " + ack, inbox))), ActorRef.noSender());
    }

    /** The next message the store sent, waiting up to 10 s. */
    Object next() throws InterruptedException {
        Object message = received.poll(10, TimeUnit.SECONDS);
        if (message == null) {
            throw new AssertionError("the durable store answered nothing within 10 s");
        }
        return message;
    }

    @SuppressWarnings("unchecked")
    static LWWMap<String, String> map(DurableStore.DurableDataEnvelope envelope) {
        return (LWWMap<String, String>) envelope.data();
    }

    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("the actor system did not terminate", e);
        }
    }

    /** Puts whatever it receives into a queue. */
    static final class Inbox extends AbstractActor {
        private final BlockingQueue<Object> queue;

        Inbox(BlockingQueue<Object> queue) {
            this.queue = queue;
        }

        @Override
        public Receive createReceive() {
            return receiveBuilder().matchAny(queue::add).build();
        }
    }
}
