package dev.panicwatch.diagnosis.kernel;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An XNU kernel source version such as {@code xnu-6153.121.2}, as printed in a panic report's
 * {@code Kernel version: …; root:xnu-6153.121.2~2/RELEASE_X86_64} line or in the {@code @/…/xnu-3789.31.2/…} path of a
 * quoted panic string.
 *
 * <p>The first component (the "major" build number) identifies the macOS release: 2422 = 10.9, 3248 = 10.11,
 * 3789 = 10.12, 4570 = 10.13, 4903 = 10.14, 6153 = 10.15, 7195 = 11, 8019 = 12, 8792 = 13. Everything Panicwatch
 * decides from the kernel version depends on the major number only, so comparisons that matter use
 * {@link #major()}; the natural order compares all components numerically so that sorting is stable and intuitive.
 *
 * @param parts the numeric components, at least one, most significant first
 */
public record XnuVersion(List<Integer> parts) implements Comparable<XnuVersion> {

    /** First kernel with the {@code vti} boot-arg (macOS 10.12). On older kernels timeouts are suspended in a VM. */
    public static final int FIRST_WITH_VTI = 3789;

    // Bounded repetition so a hostile "xnu-1.1.1.1…" string cannot make this scan expensive.
    private static final Pattern IN_TEXT = Pattern.compile("xnu(?:_[a-z]{1,16})?-(\\d{1,6}(?:\\.\\d{1,6}){0,6})");
    private static final Pattern BARE = Pattern.compile("(\\d{1,6}(?:\\.\\d{1,6}){0,6})");

    public XnuVersion {
        if (parts == null || parts.isEmpty()) {
            throw new IllegalArgumentException("an xnu version needs at least one number");
        }
        for (Integer part : parts) {
            if (part == null || part < 0) {
                throw new IllegalArgumentException("xnu version parts must be non-negative numbers: " + parts);
            }
        }
        parts = List.copyOf(parts);
    }

    /**
     * Reads a version from {@code xnu-6153.121.2}, {@code root:xnu-6153.121.2~2/RELEASE_X86_64},
     * {@code xnu_development-…}, or a bare {@code 6153.121.2}. The first {@code xnu-…} token in the text wins.
     *
     * @return empty when the text holds no version
     */
    public static Optional<XnuVersion> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        Matcher inText = IN_TEXT.matcher(text);
        if (inText.find()) {
            return fromDigits(inText.group(1));
        }
        Matcher bare = BARE.matcher(text.strip());
        return bare.matches() ? fromDigits(bare.group(1)) : Optional.empty();
    }

    private static Optional<XnuVersion> fromDigits(String dotted) {
        List<Integer> numbers = new ArrayList<>();
        for (String piece : dotted.split("\\.")) {
            numbers.add(Integer.parseInt(piece)); // at most 6 digits each, so always fits
        }
        return Optional.of(new XnuVersion(numbers));
    }

    /** The build number that identifies the macOS release, e.g. 6153 for {@code xnu-6153.121.2}. */
    public int major() {
        return parts.get(0);
    }

    /** Whether this kernel knows the {@code vti} boot-arg (xnu ≥ 3789, macOS 10.12). */
    public boolean hasVti() {
        return major() >= FIRST_WITH_VTI;
    }

    @Override
    public int compareTo(XnuVersion other) {
        int common = Math.min(parts.size(), other.parts.size());
        for (int i = 0; i < common; i++) {
            int byPart = Integer.compare(parts.get(i), other.parts.get(i));
            if (byPart != 0) {
                return byPart;
            }
        }
        return Integer.compare(parts.size(), other.parts.size());
    }

    /** The form reports use: {@code xnu-6153.121.2}. */
    @Override
    public String toString() {
        List<String> pieces = new ArrayList<>(parts.size());
        parts.forEach(part -> pieces.add(Integer.toString(part)));
        return "xnu-" + String.join(".", Collections.unmodifiableList(pieces));
    }
}
