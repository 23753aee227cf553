# LFS 12.3 chapter 8.27: Libxcrypt.
mkdir src && tar -xf "$SOURCES/libxcrypt-4.4.38.tar.xz" -C src --strip-components=1
cd src
# Debian's orig (xlapp-debian) is a git export: make configure first.
[ -x configure ] || autoreconf -fi
./configure --prefix=/usr \
  --enable-hashes=strong,glibc \
  --enable-obsolete-api=no \
  --disable-static \
  --disable-failure-tokens
make
make install
