package dev.panicwatch.notify;

/** The kinds of places the notifier can send advice to. */
enum TargetKind {
    /** A generic JSON webhook: the message and the whole event by its Avro field names. */
    WEBHOOK,
    /** Slack or Mattermost incoming webhooks ({@code {"text": ...}}). */
    SLACK,
    /** An ntfy topic URL ({@code https://ntfy.sh/mytopic}): the text as body, title and click link as headers. */
    NTFY,
    /** A Gotify server ({@code POST /message} with an application token). */
    GOTIFY,
    /** Mail over SMTP. */
    SMTP;

    boolean overHttp() {
        return this != SMTP;
    }
}
