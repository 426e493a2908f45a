package io.dataport.bench.xproc;

import java.util.Arrays;

/** Min, median and max of a run's repetitions: medians resist the machine's noise, the range shows it. */
record Stats(double min, double median, double max) {
    static Stats of(double[] values) {
        if (values.length == 0) {
            return new Stats(Double.NaN, Double.NaN, Double.NaN);
        }
        double[] v = values.clone();
        Arrays.sort(v);
        return new Stats(v[0], median(v), v[v.length - 1]);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
