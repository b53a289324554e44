# A scratch image holding only the statically linked binary.
#   docker build -t proxy .
#   docker run -p 4000:4000 -v proxy-data:/data proxy
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target x86_64-unknown-linux-gnu \
 && mkdir -p /out/data \
 && cp target/x86_64-unknown-linux-gnu/release/proxy /out/proxy

FROM scratch
COPY --from=build /out/proxy /proxy
COPY --from=build /out/data /data
ENV DATABASE_PATH=/data/proxy.db \
    PROXY_HOST=0.0.0.0 \
    PORT=4000
WORKDIR /data
VOLUME /data
EXPOSE 4000
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s CMD ["/proxy", "healthcheck"]
ENTRYPOINT ["/proxy"]
