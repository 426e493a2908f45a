package io.dataport.bench.xproc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * results.svg: messages per second by payload size, one bar group per size, one bar per system ×
 * consumer mode (median; a whisker from min to max), log-scale y, the copy ceiling as a dashed
 * line over each group. Plain SVG written by hand, so no chart library is needed.
 */
final class ThroughputChart {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b",
            "#e377c2", "#7f7f7f"};
    private static final int WIDTH = 1000;
    private static final int HEIGHT = 520;
    private static final int LEFT = 80;
    private static final int RIGHT = 240;
    private static final int TOP = 50;
    private static final int BOTTOM = 60;

    private ThroughputChart() {
    }

    static void write(Path file, Results results) throws IOException {
        Files.writeString(file, svg(results));
    }

    static String svg(Results results) {
        List<String[]> series = results.series();
        int[] sizes = results.sizes();
        double lo = Double.MAX_VALUE;
        double hi = 0;
        for (int size : sizes) {
            for (String system : systemsAndCeiling(series)) {
                for (Runs.Throughput r : results.runs(system, size, null)) {
                    lo = Math.min(lo, r.msgsPerSec());
                    hi = Math.max(hi, r.msgsPerSec());
                }
            }
        }
        if (hi == 0) {
            lo = 1;
            hi = 10;
        }
        double minDecade = Math.floor(Math.log10(Math.max(1, lo)));
        double maxDecade = Math.max(minDecade + 1, Math.ceil(Math.log10(hi)));
        Scale y = new Scale(minDecade, maxDecade);

        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        s.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        s.append(text(LEFT, 22, "Messages per second by payload size, two JVMs, every message verified", "start", 15));
        s.append(text(LEFT, 40, "bars: median of the repetitions; whiskers: min to max; dashed: copy ceiling; log scale",
                "start", 11));
        for (double d = minDecade; d <= maxDecade; d++) {
            double py = y.y(Math.pow(10, d));
            s.append(line(LEFT, py, WIDTH - RIGHT, py, "#ddd", ""));
            s.append(text(LEFT - 6, py + 4, magnitude(Math.pow(10, d)), "end", 11));
        }
        s.append(text(18, TOP + (HEIGHT - TOP - BOTTOM) / 2.0, "messages/s", "middle", 12)
                .replace("<text ", "<text transform=\"rotate(-90 18 " + (TOP + (HEIGHT - TOP - BOTTOM) / 2) + ")\" "));
        double groupWidth = (WIDTH - LEFT - RIGHT) / (double) sizes.length;
        double barWidth = groupWidth * 0.8 / Math.max(1, series.size());
        for (int g = 0; g < sizes.length; g++) {
            double x0 = LEFT + g * groupWidth + groupWidth * 0.1;
            for (int i = 0; i < series.size(); i++) {
                String[] sm = series.get(i);
                List<Runs.Throughput> runs = results.runs(sm[0], sizes[g], sm[1]);
                if (runs.isEmpty()) {
                    continue;
                }
                Stats st = Results.stats(runs, Runs.Throughput::msgsPerSec);
                double x = x0 + i * barWidth;
                String color = COLORS[systemIndex(series, sm[0]) % COLORS.length];
                double top = y.y(st.median());
                s.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                        + "fill=\"%s\" fill-opacity=\"%s\"><title>%s %s %d B: %s msg/s</title></rect>%n",
                        x + 1, top, barWidth - 2, y.y(Math.pow(10, minDecade)) - top, color,
                        sm[1].equals(Mode.INPLACE.label()) ? "0.9" : "0.45", sm[0], sm[1], sizes[g], magnitude(st.median())));
                double cx = x + barWidth / 2;
                s.append(line(cx, y.y(st.min()), cx, y.y(st.max()), "black", ""));
            }
            List<Runs.Throughput> ceiling = results.runs(Results.CEILING, sizes[g], null);
            if (!ceiling.isEmpty()) {
                double py = y.y(Results.stats(ceiling, Runs.Throughput::msgsPerSec).median());
                s.append(line(x0, py, x0 + groupWidth * 0.8, py, "black", " stroke-dasharray=\"6,4\""));
            }
            s.append(text(LEFT + g * groupWidth + groupWidth / 2, HEIGHT - BOTTOM + 20, sizeLabel(sizes[g]), "middle", 13));
        }
        s.append(line(LEFT, HEIGHT - BOTTOM, WIDTH - RIGHT, HEIGHT - BOTTOM, "black", ""));
        s.append(line(LEFT, TOP, LEFT, HEIGHT - BOTTOM, "black", ""));
        for (int i = 0; i < series.size(); i++) {
            String[] sm = series.get(i);
            double ly = TOP + 10 + i * 20;
            s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\" "
                    + "fill-opacity=\"%s\"/>%n", WIDTH - RIGHT + 20, ly - 11,
                    COLORS[systemIndex(series, sm[0]) % COLORS.length], sm[1].equals(Mode.INPLACE.label()) ? "0.9" : "0.45"));
            s.append(text(WIDTH - RIGHT + 40, ly, sm[0] + " " + sm[1], "start", 12));
        }
        double ly = TOP + 10 + series.size() * 20;
        s.append(line(WIDTH - RIGHT + 20, ly - 4, WIDTH - RIGHT + 34, ly - 4, "black", " stroke-dasharray=\"4,2\""));
        s.append(text(WIDTH - RIGHT + 40, ly, "copy ceiling", "start", 12));
        s.append("</svg>\n");
        return s.toString();
    }

    private static List<String> systemsAndCeiling(List<String[]> series) {
        List<String> names = new java.util.ArrayList<>(series.stream().map(a -> a[0]).distinct().toList());
        names.add(Results.CEILING);
        return names;
    }

    private static int systemIndex(List<String[]> series, String system) {
        return series.stream().map(a -> a[0]).distinct().toList().indexOf(system);
    }

    private record Scale(double minDecade, double maxDecade) {
        double y(double value) {
            double v = Math.log10(Math.max(value, Math.pow(10, minDecade)));
            return HEIGHT - BOTTOM - (v - minDecade) / (maxDecade - minDecade) * (HEIGHT - TOP - BOTTOM);
        }
    }

    static String magnitude(double v) {
        if (v >= 1e9) {
            return trim(v / 1e9) + "G";
        } else if (v >= 1e6) {
            return trim(v / 1e6) + "M";
        } else if (v >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        return trim(v);
    }

    private static String trim(double v) {
        return v >= 100 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String sizeLabel(int size) {
        return size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
    }

    private static String line(double x1, double y1, double x2, double y2, String color, String extra) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"%s/>%n",
                x1, y1, x2, y2, color, extra);
    }

    private static String text(double x, double y, String text, String anchor, int size) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" font-size=\"%d\">%s</text>%n",
                x, y, anchor, size, text.replace("&", "&amp;").replace("<", "&lt;"));
    }
}
