package dev.cove.cli;

import picocli.CommandLine;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations on the command line: {@code 300} (seconds), {@code 90s}, {@code 5m}, {@code 1h30m}, {@code 0}. */
final class Durations implements CommandLine.ITypeConverter<Duration> {
    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.matches("\\d+")) return Duration.ofSeconds(Long.parseLong(v));
        Matcher m = PART.matcher(v);
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            switch (m.group(2)) {
                case "ms": d = d.plusMillis(n); break;
                case "s": d = d.plusSeconds(n); break;
                case "m": d = d.plusMinutes(n); break;
                case "h": d = d.plusHours(n); break;
                default: d = d.plusDays(n); break;
            }
            end = m.end();
        }
        if (end != v.length() || v.isEmpty()) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration; use seconds (300) or 90s, 5m, 1h30m");
        }
        return d;
    }

    /** Short human form: 4m12s, 2h5m, 40s. */
    static String human(Duration d) {
        if (d.isNegative()) return "-" + human(d.negated());
        long s = d.getSeconds();
        if (s >= 3600) return (s / 3600) + "h" + (s % 3600 / 60 > 0 ? (s % 3600 / 60) + "m" : "");
        if (s >= 60) return (s / 60) + "m" + (s % 60 > 0 ? (s % 60) + "s" : "");
        return s + "s";
    }
}
