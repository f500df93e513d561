package io.berth.agent;

import io.berth.protocol.cluster.CborSerializable;
import io.berth.storage.image.ImageStore;
import io.berth.storage.image.ResolvedImage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One per agent: makes sure an image is in the local store and resolved for this platform. Requests for an
 * image that is being fetched wait for that fetch, so ten allocations asking at once cause one pull. The
 * store and the fetch run on the blocking dispatcher.
 */
public final class ImageService extends AbstractBehavior<ImageService.Command> {

    public sealed interface Command extends CborSerializable {}

    /** Asks for {@code image} (a reference as the task gives it); the answer is one {@link ImageReady}. */
    public record Ensure(String image, ActorRef<ImageReady> replyTo) implements Command {}

    /**
     * The answer to {@link Ensure}: the resolved image, or why there is none.
     *
     * @param resolved null when {@code error} is set
     * @param fetched  whether this request (or the one it shared) had to fetch the image
     */
    public record ImageReady(String image, ResolvedImage resolved, boolean fetched, String error) {
        public boolean ok() {
            return error == null;
        }
    }

    private record Done(String name, ResolvedImage resolved, boolean fetched, String error) implements Command {}

    private final ImageStore store;
    private final ImageFetcher fetcher;
    private final Executor blocking;
    /** Requests waiting per normalised name; a name is a key while its fetch runs. */
    private final Map<String, List<Ensure>> waiting = new HashMap<>();

    private ImageService(ActorContext<Command> context, ImageStore store, ImageFetcher fetcher) {
        super(context);
        this.store = store;
        this.fetcher = fetcher;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    }

    public static Behavior<Command> create(ImageStore store, ImageFetcher fetcher) {
        return Behaviors.setup(ctx -> new ImageService(ctx, store, fetcher));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Ensure.class, this::onEnsure)
                .onMessage(Done.class, this::onDone)
                .build();
    }

    private Behavior<Command> onEnsure(Ensure e) {
        String name;
        try {
            name = ImageFetcher.normalise(e.image());
        } catch (IllegalArgumentException ex) {
            e.replyTo().tell(new ImageReady(e.image(), null, false, "task.image: " + ex.getMessage()));
            return this;
        }
        List<Ensure> w = waiting.get(name);
        if (w != null) {
            w.add(e);
            return this;
        }
        waiting.put(name, new ArrayList<>(List.of(e)));
        CompletableFuture<Done> f = CompletableFuture.supplyAsync(() -> ensure(name), blocking);
        getContext().pipeToSelf(f, (done, failure) -> done != null ? done
                : new Done(name, null, false, "image " + name + ": " + failure));
        return this;
    }

    private Done ensure(String name) {
        try {
            boolean fetched = false;
            if (store.find(name).isEmpty()) {
                fetcher.fetch(name);
                fetched = true;
            }
            return new Done(name, store.resolve(name), fetched, null);
        } catch (Exception ex) {
            return new Done(name, null, false, "image " + name + ": " + ex.getMessage());
        }
    }

    private Behavior<Command> onDone(Done d) {
        for (Ensure e : waiting.remove(d.name())) {
            e.replyTo().tell(new ImageReady(e.image(), d.resolved(), d.fetched(), d.error()));
        }
        return this;
    }
}
