# Build stage: the .NET 10 SDK restores and publishes the function app (and, through the Worker SDK, the
# host-side extensions, whose blob extension Directory.Build.targets raises to 5.3.10) and the `frames` command
# line beside it. Both are published for linux-x64 only (no native libraries of other platforms in the image)
# and ReadyToRun (precompiled: less JIT at every cold start); still framework-dependent, on the base image's
# .NET. No `# syntax=` line: BuildKit would pull a frontend image for nothing this file uses.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Build.targets host.json local.settings.example.json ./
COPY src/ImageFrames.Core/ImageFrames.Core.csproj src/ImageFrames.Core/
COPY src/FramesFunctions/FramesFunctions.csproj src/FramesFunctions/
COPY src/ImageFrames.Cli/ImageFrames.Cli.csproj src/ImageFrames.Cli/
RUN dotnet restore src/FramesFunctions/FramesFunctions.csproj -r linux-x64 -p:PublishReadyToRun=true \
 && dotnet restore src/ImageFrames.Cli/ImageFrames.Cli.csproj -r linux-x64 -p:PublishReadyToRun=true
COPY src/ src/
RUN dotnet publish src/FramesFunctions/FramesFunctions.csproj -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true --no-restore -o /home/site/wwwroot \
 && dotnet publish src/ImageFrames.Cli/ImageFrames.Cli.csproj -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true --no-restore -o /opt/frames

# Runtime stage: the Azure Functions host for .NET isolated workers; no SDK or build tools.
FROM mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0 AS runtime
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    ASPNETCORE_URLS=http://+:8080 \
    FRAMES_DB_PATH=/data/frames.db
COPY --from=build /home/site/wwwroot /home/site/wwwroot
COPY --from=build /opt/frames /opt/frames
COPY scripts/container-start.sh /opt/startup/frames-start.sh
# The host needs no root once it listens on an unprivileged port: run as a dedicated user that owns only
# the data folder (the SQLite volume) and the host's scratch space.
RUN groupadd --system --gid 10001 frames \
 && useradd --system --uid 10001 --gid frames --home-dir /home/frames --create-home frames \
 && mkdir -p /data /home/LogFiles \
 && chown -R frames:frames /data /home/LogFiles \
 && printf '#!/bin/sh\nexec dotnet /opt/frames/frames.dll "$@"\n' > /usr/local/bin/frames \
 && chmod 755 /usr/local/bin/frames /opt/startup/frames-start.sh
USER frames
# The base image's start script, in a wrapper that passes SIGTERM on to the host (scripts/container-start.sh).
CMD ["/opt/startup/frames-start.sh"]
VOLUME ["/data"]
EXPOSE 8080
# The app's own command line probes its health route, so the image needs no curl.
HEALTHCHECK --interval=30s --timeout=10s --start-period=40s --retries=3 \
  CMD ["frames", "probe", "http://localhost:8080/api/health"]
