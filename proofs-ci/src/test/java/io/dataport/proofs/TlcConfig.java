package io.dataport.proofs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The parts of a TLC .cfg file the harness needs: the names listed under PROPERTY / PROPERTIES. */
final class TlcConfig {
    private static final Set<String> KEYWORDS = Set.of("SPECIFICATION", "INIT", "NEXT", "CONSTANT",
            "CONSTANTS", "INVARIANT", "INVARIANTS", "PROPERTY", "PROPERTIES", "CHECK_DEADLOCK", "SYMMETRY",
            "VIEW", "CONSTRAINT", "CONSTRAINTS", "ACTION_CONSTRAINT", "ACTION_CONSTRAINTS", "ALIAS",
            "POSTCONDITION", "TYPE", "TYPE_CONSTRAINT");

    private TlcConfig() {
    }

    static List<String> properties(Path cfg) {
        try {
            return properties(Files.readString(cfg));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + cfg, e);
        }
    }

    static List<String> properties(String text) {
        String code = text.replaceAll("(?s)\\(\\*.*?\\*\\)", " ").replaceAll("\\\\\\*[^\\n]*", " ");
        List<String> names = new ArrayList<>();
        boolean inProperties = false;
        for (String token : code.split("[\\s,]+")) {
            if (token.isEmpty()) {
                continue;
            }
            if (KEYWORDS.contains(token)) {
                inProperties = token.equals("PROPERTY") || token.equals("PROPERTIES");
            } else if (inProperties) {
                names.add(token);
            }
        }
        return names;
    }
}
