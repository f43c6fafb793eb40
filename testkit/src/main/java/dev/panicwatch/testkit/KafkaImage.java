package dev.panicwatch.testkit;

import org.testcontainers.utility.DockerImageName;

/**
 * The broker image the Testcontainers stack runs: {@code apache/kafka} by default, or the image named by
 * {@value #PROPERTY}, such as the stand-in {@code deploy/images/build} assembles from Kafka's Maven artifacts where no
 * image can be pulled. Testcontainers' {@code KafkaContainer} accepts only {@code apache/kafka}, so any other name is
 * declared a compatible substitute: the stand-in keeps the official image's contract.
 */
public final class KafkaImage {

    /** System property naming the broker image, e.g. {@code panicwatch-base/kafka:4.4.0}. */
    public static final String PROPERTY = "panicwatch.kafkaImage";
    /** The image the official one is swapped for where nothing can be pulled (deploy/images/build makes it). */
    public static final String STAND_IN_REPOSITORY = "panicwatch-base/kafka";
    static final String OFFICIAL = "apache/kafka:4.4.0";

    private KafkaImage() {
    }

    /** The configured image, blank treated as unset. */
    public static DockerImageName configured() {
        String name = System.getProperty(PROPERTY, "").trim();
        return name.isEmpty() ? DockerImageName.parse(OFFICIAL) : named(name);
    }

    static DockerImageName named(String name) {
        DockerImageName image = DockerImageName.parse(name);
        return image.isCompatibleWith(DockerImageName.parse("apache/kafka")) ? image
                : image.asCompatibleSubstituteFor("apache/kafka");
    }
}
