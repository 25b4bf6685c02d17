package io.albireo.api.metadata;

/**
 * How one chunk is spread: {@code k} data fragments and {@code m} parity fragments, acknowledged once {@code c} are
 * durable, at most {@code x} on any one node. Any {@code k} fragments rebuild the chunk.
 *
 * @param k data fragments
 * @param m parity fragments
 * @param c fragments that must be durable before a write is acknowledged
 * @param x the most fragments of one chunk on one node
 */
public record Policy(int k, int m, int c, int x) {
    /**
     * Checks the rules, naming the one broken.
     *
     * @throws InvalidPresetException if {@code 0 < k <= c <= k + m} or {@code x >= 1} does not hold
     */
    public Policy {
        if (k <= 0) {
            throw new InvalidPresetException("policy " + text(k, m, c, x) + ": k must be at least 1 (0 < k)");
        }
        if (m < 0) {
            throw new InvalidPresetException("policy " + text(k, m, c, x) + ": m must not be negative");
        }
        if (c < k) {
            throw new InvalidPresetException("policy " + text(k, m, c, x) + ": c must be at least k (k <= c)");
        }
        if (c > k + m) {
            throw new InvalidPresetException("policy " + text(k, m, c, x) + ": c must be at most k + m (c <= k + m)");
        }
        if (x < 1) {
            throw new InvalidPresetException("policy " + text(k, m, c, x) + ": x must be at least 1 (x >= 1)");
        }
        if (k + m > 255) {
            throw new InvalidPresetException("policy " + text(k, m, c, x) + ": k + m must be at most 255");
        }
    }

    /** @return the fragments per chunk, k + m */
    public int width() {
        return k + m;
    }

    @Override
    public String toString() {
        return text(k, m, c, x);
    }

    private static String text(int k, int m, int c, int x) {
        return "(" + k + "," + m + "," + c + "," + x + ")";
    }

    /**
     * Parses {@code (k,m,c,x)} or {@code k,m,c,x}.
     *
     * @throws InvalidPresetException if the text is not four integers or breaks a rule
     */
    public static Policy parse(String text) {
        String t = text.strip();
        if (t.startsWith("(") && t.endsWith(")")) {
            t = t.substring(1, t.length() - 1);
        }
        String[] parts = t.split(",");
        if (parts.length != 4) {
            throw new InvalidPresetException("a policy is four integers (k,m,c,x); got '" + text + "'");
        }
        try {
            return new Policy(Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()),
                    Integer.parseInt(parts[2].strip()), Integer.parseInt(parts[3].strip()));
        } catch (NumberFormatException e) {
            throw new InvalidPresetException("a policy is four integers (k,m,c,x); got '" + text + "'");
        }
    }
}
