# PaymentHub gateway image: built with the .NET 10 SDK, run on the ASP.NET Core 10 runtime as a non-root user.
#
#   docker build -t paymenthub .
#   docker run --rm -p 8080:8080 -e Admin__BootstrapKey=... -v paymenthub-data:/app/data paymenthub
#
# With the default provider (SQLite) the database lives in /app/data/paymenthub.db, so keep /app/data on a volume.
# With Database__Provider=Postgres (see docker-compose.yml) the volume stays empty.

# ---- build ------------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src

# Restore from the project file and the central props only, so this layer is reused until a dependency changes.
# --use-current-runtime targets the build container's own RID (linux-x64 or linux-arm64, the image's architecture):
# the publish output then carries one native SQLite library instead of every platform's (13 MB instead of 78 MB).
COPY Directory.Build.props Directory.Packages.props ./
COPY src/PaymentHub.Api/PaymentHub.Api.csproj src/PaymentHub.Api/
RUN dotnet restore src/PaymentHub.Api/PaymentHub.Api.csproj --use-current-runtime

# .editorconfig carries analyzer severities; with TreatWarningsAsErrors the image must build as the repo does.
COPY .editorconfig ./
COPY src/PaymentHub.Api/ src/PaymentHub.Api/
RUN dotnet publish src/PaymentHub.Api/PaymentHub.Api.csproj \
        --configuration Release \
        --no-restore \
        --use-current-runtime \
        --self-contained false \
        --output /app/publish \
        -p:UseAppHost=false

# ---- runtime ----------------------------------------------------------------------------------------------
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app

# The SQLite default writes data/paymenthub.db relative to the working directory. The directory must belong to
# the non-root user before VOLUME, so that a new named volume is created with that owner. (A bind mount keeps
# the host's ownership instead: make it writable for UID 1654, the image's 'app' user.)
RUN mkdir -p /app/data && chown "$APP_UID:$APP_UID" /app/data

COPY --from=build /app/publish ./

# ASPNETCORE_HTTP_PORTS (8080 in the base image) is cleared so that Kestrel binds ASPNETCORE_URLS alone
# without warning that one overrides the other.
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS="" \
    ASPNETCORE_ENVIRONMENT=Production

# 'app' (UID $APP_UID = 1654) is the non-root user that the .NET images ship.
USER $APP_UID

EXPOSE 8080
VOLUME ["/app/data"]

# The runtime image has no curl or wget; bash's /dev/tcp speaks just enough HTTP/1.1 to read the status line.
# The image's own check is liveness (/health/live): an upstream whose breaker is open must not get the container
# replaced. Readiness (/health/ready: database, migrations, breakers) is what docker-compose waits on.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health/live HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["dotnet", "PaymentHub.Api.dll"]
