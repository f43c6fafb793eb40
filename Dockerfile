# Panicwatch services image: one image, two roles (streams app with query API, or ingest HTTP receiver), chosen by
# the command. Multi-stage: Maven builds the jars, a JRE image runs them as an unprivileged user.
# The base images are build arguments so the image can be built against locally made bases where nothing can be
# pulled (deploy/images/build makes them; deploy/compose/check passes them).
ARG BUILD_IMAGE=maven:3.9.11-eclipse-temurin-17
ARG RUNTIME_IMAGE=eclipse-temurin:17.0.16_8-jre

FROM ${BUILD_IMAGE} AS build
WORKDIR /src
COPY . .
# The image runs against the compose file's registry, so the local stack's Apicurio distribution (140 MB) is not
# fetched here.
RUN mvn -B -q -ntp -DskipTests -Dapicurio.unpack.skip=true -pl cli -am package

FROM ${RUNTIME_IMAGE}
# curl serves the compose healthchecks (exec form); whether a base image ships it varies, so it is made sure of here.
RUN (command -v curl >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y \
        --no-install-recommends curl && rm -rf /var/lib/apt/lists/*; }) \
    && groupadd --system panicwatch && useradd --system --gid panicwatch --home-dir /var/lib/panicwatch panicwatch \
    && mkdir -p /var/lib/panicwatch/state /var/lib/panicwatch/ingest && chown -R panicwatch:panicwatch /var/lib/panicwatch
WORKDIR /app
COPY --from=build /src/cli/target/lib/ /app/lib/
COPY --from=build /src/cli/target/panicwatch-cli.jar /app/panicwatch-cli.jar
USER panicwatch
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
ENTRYPOINT ["java", "-cp", "/app/panicwatch-cli.jar:/app/lib/*", "dev.panicwatch.cli.Panicwatch"]
CMD ["--help"]
