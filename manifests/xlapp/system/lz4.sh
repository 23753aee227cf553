# LFS 12.3 chapter 8.9: Lz4.
mkdir src && tar -xf "$SOURCES/lz4-1.10.0.tar.gz" -C src --strip-components=1
cd src
make BUILD_STATIC=no PREFIX=/usr
make BUILD_STATIC=no PREFIX=/usr install
