package io.berth.ops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Allocation lists as the API returns them, and finding one allocation by a prefix of its id. */
final class Allocations {

    private Allocations() {}

    /** The allocations of a list answer: a JSON array, or an object holding one under {@code allocations}. */
    static List<JsonNode> items(JsonNode list) {
        JsonNode array = list.isArray() ? list : list.path("allocations");
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }

    /**
     * The full id of the allocation whose id starts with {@code prefix} (tables show 8 characters).
     *
     * @throws ApiException 404 when none matches
     * @throws IllegalArgumentException naming the candidates when several match
     */
    static String resolve(ApiClient client, String prefix) throws ApiException, ApiUnreachableException {
        List<String> matches = new ArrayList<>();
        for (JsonNode a : items(client.get("/v1/allocations").body())) {
            String id = Output.text(a, "id");
            if (id.equals(prefix)) {
                return id;
            }
            if (id.startsWith(prefix)) {
                matches.add(id);
            }
        }
        if (matches.isEmpty()) {
            throw new ApiException(404, "no allocation with an id starting with '" + prefix + "'", List.of());
        }
        if (matches.size() > 1) {
            throw new IllegalArgumentException("'" + prefix + "' is the start of " + matches.size()
                    + " allocation ids (" + String.join(", ", matches) + "); give more characters");
        }
        return matches.get(0);
    }
}
