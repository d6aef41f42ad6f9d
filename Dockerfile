# PrivateNexus server image: a self-contained build on a small runtime base, run as a non-root user,
# everything it writes under the /data volume, read-only root filesystem friendly.
#
#   docker build -t privatenexus .                     # from source, in the .NET SDK image (default)
#   docker build --target prebuilt -t privatenexus -f Dockerfile artifacts/publish
#                                                      # from `dotnet publish -r linux-x64 --self-contained`
#                                                      # done on the host (no SDK image needed)
#
# Base images are build arguments, so a locally provided base works as well as the official ones:
#   --build-arg RUNTIME_IMAGE=registry.internal/debian:bookworm  --build-arg SDK_IMAGE=…
# The runtime base needs glibc, libstdc++, OpenSSL, CA certificates and /bin/sh (for the one RUN
# below); the official runtime-deps image has exactly that. See docs/operations.md.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0

# --- runtime: everything but the application ------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime
# The official images' "app" user (1654); any uid works, it needs no entry in /etc/passwd.
ARG APP_UID=1654
# /data is created owned by the app user so that a new named volume mounted there inherits it.
RUN mkdir -p /data && chown "${APP_UID}:${APP_UID}" /data && chmod 0700 /data
ENV PNX_DATA_DIR=/data \
    ASPNETCORE_URLS=http://+:8080 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    DOTNET_NOLOGO=true
WORKDIR /app
EXPOSE 8080
VOLUME ["/data"]
USER ${APP_UID}:${APP_UID}
# The server probes itself (no curl in the image): exit 0 when /readyz answers 200.
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 CMD ["/app/PrivateNexus.Server", "healthcheck"]
ENTRYPOINT ["/app/PrivateNexus.Server"]

# --- prebuilt: the build context is the output of a self-contained publish made elsewhere --------
# Before the SDK stage on purpose: the classic builder (no BuildKit) builds every stage up to the
# target, so `--target prebuilt` never needs the SDK image.
FROM runtime AS prebuilt
COPY . /app/

# --- build: publish from source in the SDK image -------------------------------------------------
FROM ${SDK_IMAGE} AS build
ARG RID=linux-x64
# The commit for /version (there is no .git in the build context): --build-arg SOURCE_REVISION=$(git rev-parse HEAD)
ARG SOURCE_REVISION=unknown
WORKDIR /src
COPY . .
RUN dotnet publish src/PrivateNexus.Server -c Release -r "${RID}" --self-contained -o /out \
        -p:EnableSourceControlManagerQueries=false -p:SourceRevisionId="${SOURCE_REVISION}"

# --- final (default): the runtime with the application built above -------------------------------
FROM runtime AS final
COPY --from=build /out /app/
