package io.berth.storage.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a {@code WWW-Authenticate} header (RFC 7235): a scheme ({@code bearer}, {@code basic}) and its
 * parameters ({@code realm}, {@code service}, {@code scope}, {@code error}).
 *
 * @param scheme the scheme in lower case
 * @param params the parameters, names in lower case, values unquoted
 */
record AuthChallenge(String scheme, Map<String, String> params) {

    String param(String name) {
        return params.get(name);
    }

    /** Parses every challenge of the given header values; values that are not challenges are skipped. */
    static List<AuthChallenge> parse(List<String> headerValues) {
        List<AuthChallenge> out = new ArrayList<>();
        for (String value : headerValues) {
            parseInto(value, out);
        }
        return out;
    }

    private static void parseInto(String s, List<AuthChallenge> out) {
        int i = 0;
        int n = s.length();
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (i < n) {
            while (i < n && (s.charAt(i) == ' ' || s.charAt(i) == ',')) {
                i++;
            }
            int start = i;
            while (i < n && s.charAt(i) != ' ' && s.charAt(i) != '=' && s.charAt(i) != ',') {
                i++;
            }
            if (start == i) {
                break;
            }
            String token = s.substring(start, i);
            int j = i;
            while (j < n && s.charAt(j) == ' ') {
                j++;
            }
            if (j < n && s.charAt(j) == '=' && scheme != null) {
                // name=value, the value a token or a quoted string with backslash escapes
                i = j + 1;
                while (i < n && s.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder value = new StringBuilder();
                if (i < n && s.charAt(i) == '"') {
                    i++;
                    while (i < n && s.charAt(i) != '"') {
                        if (s.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(s.charAt(i++));
                    }
                    i++;
                } else {
                    while (i < n && s.charAt(i) != ',' && s.charAt(i) != ' ') {
                        value.append(s.charAt(i++));
                    }
                }
                params.put(token.toLowerCase(Locale.ROOT), value.toString());
            } else {
                if (scheme != null) {
                    out.add(new AuthChallenge(scheme, Map.copyOf(params)));
                    params.clear();
                }
                scheme = token.toLowerCase(Locale.ROOT);
                i = j;
            }
        }
        if (scheme != null) {
            out.add(new AuthChallenge(scheme, Map.copyOf(params)));
        }
    }
}
