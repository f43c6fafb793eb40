package dev.panicwatch.streams.config;

/** A configuration value or name is wrong; the message names the setting, where it came from and what is expected. */
public class InvalidSettingException extends IllegalArgumentException {

    public InvalidSettingException(String message) {
        super(message);
    }
}
