package dev.panicwatch.notify;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A title and a body with {@code {placeholder}} fields ({@link AdviceMessage#PLACEHOLDERS}). Placeholders are checked
 * when the configuration is read, so a typo stops start-up instead of reaching an operator as "{bootArg}".
 */
record MessageTemplate(String title, String body) {

    private static final Pattern FIELD = Pattern.compile("\\{([A-Za-z]+)}");

    static final MessageTemplate DEFAULT = new MessageTemplate(
            "Panicwatch: {class} on VM {vm} (host {host})",
            """
            VM {vm} on host {host}: {class}, {panics} timeout panic(s) in the cooldown window.
            Do:            {actions}
            Boot-args:     {bootArgs}
            Host-side fix: {hostFix}
            Why:           {rationale}
            Dashboard:     {dashboard}""");

    String title(AdviceMessage message) {
        return render(title, message);
    }

    String body(AdviceMessage message) {
        return render(body, message);
    }

    static MessageTemplate read(ConfigNode node) {
        MessageTemplate template = new MessageTemplate(node.string("title").orElse(DEFAULT.title),
                node.string("body").orElse(DEFAULT.body));
        node.refuseUnknownKeys();
        check(node, "title", template.title);
        check(node, "body", template.body);
        return template;
    }

    private static void check(ConfigNode node, String key, String text) {
        Matcher m = FIELD.matcher(text);
        while (m.find()) {
            if (!AdviceMessage.PLACEHOLDERS.containsKey(m.group(1))) {
                throw node.invalid(key, "unknown placeholder {" + m.group(1) + "} (known: "
                        + String.join(", ", new java.util.TreeSet<>(AdviceMessage.PLACEHOLDERS.keySet())) + ")");
            }
        }
    }

    private static String render(String text, AdviceMessage message) {
        Matcher m = FIELD.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = message.value(m.group(1));
            m.appendReplacement(out, Matcher.quoteReplacement(value == null ? m.group() : value));
        }
        m.appendTail(out);
        return out.toString();
    }
}
