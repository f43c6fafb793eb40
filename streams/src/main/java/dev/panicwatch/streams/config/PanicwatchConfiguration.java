package dev.panicwatch.streams.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

import dev.panicwatch.kafka.ClientSettings;

/**
 * Everything the streams app is configured with, from one properties file and the environment: {@code panicwatch.*}
 * keys and {@code PANICWATCH_*} variables become {@link PipelineSettings}; every other key of the file and the
 * {@code KAFKA_*} / {@code SCHEMA_REGISTRY_*} variables are client settings passed to Kafka Streams and the serdes
 * (the environment wins over the file).
 *
 * @param pipeline the pipeline's own settings
 * @param kafka    Kafka Streams, client and schema-registry settings, before {@link StreamsConfigFactory}'s defaults
 */
public record PanicwatchConfiguration(PipelineSettings pipeline, Map<String, Object> kafka) {

    public PanicwatchConfiguration {
        kafka = Map.copyOf(kafka);
    }

    /** Reads {@code file} (may be null) and {@code environment}. */
    public static PanicwatchConfiguration load(Path file, Map<String, String> environment) {
        return load(file, environment, Set.of());
    }

    /**
     * Reads {@code file} (may be null) and {@code environment}.
     *
     * @param otherVariables {@code PANICWATCH_*} names read elsewhere in the process, see
     *                       {@link PipelineSettings#from(Map, Map, Set)}
     */
    public static PanicwatchConfiguration load(Path file, Map<String, String> environment, Set<String> otherVariables) {
        Map<String, String> fileProperties = file == null ? Map.of() : readProperties(file);
        PipelineSettings pipeline = PipelineSettings.from(fileProperties, environment, otherVariables);
        Map<String, Object> kafka = new TreeMap<>();
        fileProperties.forEach((key, value) -> {
            if (!key.startsWith(PipelineSetting.PROPERTY_PREFIX)) {
                kafka.put(key, value);
            }
        });
        kafka.putAll(ClientSettings.fromEnvironment(environment));
        return new PanicwatchConfiguration(pipeline, kafka);
    }

    private static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (NoSuchFileException e) {
            throw new InvalidSettingException("config file " + file + " does not exist");
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidSettingException("config file " + file + " cannot be read as a properties file: "
                    + e.getMessage());
        }
        Map<String, String> map = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> map.put(name.trim(), properties.getProperty(name).trim()));
        return map;
    }
}
