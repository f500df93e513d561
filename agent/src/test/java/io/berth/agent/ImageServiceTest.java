package io.berth.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.protocol.oci.image.ImageConfig;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ImageServiceTest {
    private static AgentFixture f;

    @BeforeAll
    static void setUp() throws Exception {
        f = new AgentFixture();
    }

    @AfterAll
    static void tearDown() throws Exception {
        f.close();
    }

    @Test
    void tenConcurrentRequestsForAnImageShareOneFetch() {
        AtomicInteger fetches = new AtomicInteger();
        // Stands in for a registry: stores the busybox rootfs under the asked name, slowly enough to overlap.
        ImageFetcher fetcher = name -> {
            fetches.incrementAndGet();
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            f.images.createImage(name, f.dir.resolve("busybox/rootfs"),
                    new ImageConfig.ExecConfig(null, null, null, null, List.of("sh"), null, null, null, null));
        };
        ActorRef<ImageService.Command> service = f.kit.spawn(ImageService.create(f.images, fetcher));
        TestProbe<ImageService.ImageReady> probe = f.kit.createTestProbe();
        for (int i = 0; i < 10; i++) {
            service.tell(new ImageService.Ensure("example.com/fetched:1", probe.getRef()));
        }
        List<ImageService.ImageReady> answers = probe.receiveSeveralMessages(10, Duration.ofSeconds(60));
        assertThat(answers).allSatisfy(r -> {
            assertThat(r.error()).isNull();
            assertThat(r.fetched()).isTrue();
            assertThat(r.resolved().config().config().cmd()).containsExactly("sh");
        });
        assertThat(fetches).hasValue(1);

        service.tell(new ImageService.Ensure("example.com/fetched:1", probe.getRef()));
        assertThat(probe.receiveMessage(Duration.ofSeconds(30)).fetched()).as("now in the store").isFalse();
        assertThat(fetches).hasValue(1);
    }

    @Test
    void aMalformedReferenceIsAnsweredWithTheField() {
        ActorRef<ImageService.Command> service = f.kit.spawn(ImageService.create(f.images, ImageFetcher.none()));
        TestProbe<ImageService.ImageReady> probe = f.kit.createTestProbe();
        service.tell(new ImageService.Ensure("Not A Reference", probe.getRef()));
        assertThat(probe.receiveMessage(Duration.ofSeconds(10)).error()).startsWith("task.image: ");
    }
}
