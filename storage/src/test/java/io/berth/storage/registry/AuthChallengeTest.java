package io.berth.storage.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuthChallengeTest {

    @Test
    void parsesBearerParametersWithCommasInQuotedValues() {
        List<AuthChallenge> challenges = AuthChallenge.parse(List.of(
                "Bearer realm=\"https://auth.example.com/token\",service=\"registry.example.com\","
                        + "scope=\"repository:a/b:pull,push\",error=\"insufficient_scope\""));
        assertThat(challenges).containsExactly(new AuthChallenge("bearer", Map.of(
                "realm", "https://auth.example.com/token", "service", "registry.example.com",
                "scope", "repository:a/b:pull,push", "error", "insufficient_scope")));
    }

    @Test
    void parsesSeveralChallengesInOneHeaderAndAcrossHeaders() {
        List<AuthChallenge> challenges = AuthChallenge.parse(List.of(
                "Basic realm=\"basic-realm\", Bearer realm=\"http://127.0.0.1:1/token\"", "basic realm=x"));
        assertThat(challenges).extracting(AuthChallenge::scheme).containsExactly("basic", "bearer", "basic");
        assertThat(challenges.get(1).param("realm")).isEqualTo("http://127.0.0.1:1/token");
        assertThat(challenges.get(2).param("realm")).isEqualTo("x");
    }

    @Test
    void unescapesQuotedPairs() {
        assertThat(AuthChallenge.parse(List.of("Basic realm=\"a \\\"quoted\\\" realm\"")).get(0).param("realm"))
                .isEqualTo("a \"quoted\" realm");
    }
}
