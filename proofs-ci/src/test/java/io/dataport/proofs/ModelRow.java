package io.dataport.proofs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One row of {@code spec/models.tsv}: a TLA+ module, the configuration TLC checks it with, the
 * result TLC must report and the tier the row belongs to. Paths are relative to {@code spec/}.
 */
record ModelRow(int line, String spec, String cfg, Expectation expected, String tier) {

    static final String CI = "ci";
    static final String DEEP = "deep";

    /** A row is run in tier {@code ci} when its tier is ci; tier {@code deep} runs every row. */
    boolean runsIn(String selectedTier) {
        return DEEP.equals(selectedTier) || tier.equals(selectedTier);
    }

    /** Name of the model: its configuration path without ".cfg". */
    String name() {
        return cfg.endsWith(".cfg") ? cfg.substring(0, cfg.length() - 4) : cfg;
    }

    static List<ModelRow> read(Path manifest) {
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model manifest " + manifest, e);
        }
        List<ModelRow> rows = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String text = lines.get(i).strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] cells = lines.get(i).split("\t");
            if (cells.length != 4) {
                throw new IllegalArgumentException(manifest + ":" + (i + 1)
                        + ": expected 4 tab-separated cells (spec, cfg, expected, tier), got " + cells.length);
            }
            String tier = cells[3].strip();
            if (!tier.equals(CI) && !tier.equals(DEEP)) {
                throw new IllegalArgumentException(manifest + ":" + (i + 1) + ": tier must be ci or deep, not " + tier);
            }
            rows.add(new ModelRow(i + 1, cells[0].strip(), cells[1].strip(),
                    Expectation.parse(cells[2].strip()), tier));
        }
        return rows;
    }
}
