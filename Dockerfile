# Panicwatch services image: one image, two roles (streams app with query API, or ingest HTTP receiver), chosen by
# the command. Multi-stage: Maven builds the jars, a JRE image runs them as an unprivileged user.
# The base images are build arguments so the image can be built against locally made bases where nothing can be pulled.
ARG BUILD_IMAGE=maven:3.9.11-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17.0.16_8-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -ntp -DskipTests -pl cli -am package

FROM ${RUNTIME_IMAGE}
RUN groupadd --system panicwatch && useradd --system --gid panicwatch --home-dir /var/lib/panicwatch panicwatch \
    && mkdir -p /var/lib/panicwatch/state /var/lib/panicwatch/ingest && chown -R panicwatch:panicwatch /var/lib/panicwatch
WORKDIR /app
COPY --from=build /src/cli/target/lib/ /app/lib/
COPY --from=build /src/cli/target/panicwatch-cli.jar /app/panicwatch-cli.jar
USER panicwatch
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["java", "-cp", "/app/panicwatch-cli.jar:/app/lib/*", "dev.panicwatch.cli.Panicwatch"]
CMD ["--help"]
