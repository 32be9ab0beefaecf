# ats in a container (docs/operations.md). Two stages on Debian 12: the build stage installs the
# toolchain with the project's own script and runs `make install`; the runtime stage holds only
# the stripped binary, its shared libraries, the dashboard and Plotly.js, and runs as a non-root
# user. State (SQLite, sessions, recordings) lives in the /var/lib/ats volume.
FROM debian:12 AS build
ENV DEBIAN_FRONTEND=noninteractive
# Node.js and npm for `npm ci` in web/ (Plotly.js); the rest comes from scripts/install-deps.sh.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates make sudo nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN bash scripts/install-deps.sh && make install PREFIX=/opt/ats

FROM debian:12-slim
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates curl \
      libboost-serialization1.74.0 libdmlc0 libevent-core-2.1-7 libevent-pthreads-2.1-7 \
      libfmt9 libgomp1 libhiredis0.14 libhwloc15 libopenmpi3 libpagmo8 libsimdjson14 \
      libsnappy1v5 libspdlog1.10 libsqlite3-0 libssl3 libtbb12 libtomlplusplus3 libxgboost0 \
      libzstd1 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /var/lib/ats --shell /usr/sbin/nologin ats
COPY --from=build /opt/ats /opt/ats
COPY docker/entrypoint.sh /opt/ats/bin/entrypoint.sh
ENV PATH=/opt/ats/bin:$PATH ATS_HOME=/var/lib/ats ATS_PORT=8080
USER ats
WORKDIR /var/lib/ats
VOLUME ["/var/lib/ats"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/opt/ats/bin/entrypoint.sh", "health"]
ENTRYPOINT ["/opt/ats/bin/entrypoint.sh"]
CMD ["serve"]
